"""Every CSV factdash hands out is safe in a spreadsheet: formula payloads in every text field of a fact
base, written through every CSV path (a chart's CSV, the export's data.csv, the ZIP's, `factdash
conflicts` and `questions --format csv` run as the real command, the dashboard tables' downloads),
parsed back with the csv module: no cell a spreadsheet would run, numbers still numbers, one row per
fact; and no server path in what a reader sees."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from charts.registry import view_charts
from dashboard import load_factbase
from dashboard.analysis.filters import Filters
from dashboard.cli import main
from dashboard.exports import csvout
from dashboard.exports import files as ex

from .test_export import run_page
from .test_xss import _is_list, _max_length, text_fields
from .test_xss import payload_document as xss_payload_document

PAYLOADS = (
    "=1+1",
    "+cmd",
    "-2+3",
    "@SUM(A1)",
    "\t=x",
    "\r=x",
    "\uff1d1+1",  # fullwidth =
    "\uff0bcmd",  # fullwidth +
    "\uff0d2+3",  # fullwidth -
    "\uff20SUM(A1)",  # fullwidth @
    "\ufe66x",  # small =
    "\u00a0=1",  # no-break space
    "\u200b=1",  # zero-width space
    "\u200d+1",  # zero-width joiner
    "\ufeff=1",  # BOM
    "\u3000=1",  # ideographic space
    "\u2060-1",  # word joiner
    " \u00a0 @x",
    "a\r=cmd|' /C calc'!A0",
    "a\n=b",
    "a\r\n=b",
    '"quoted"',
    '=HYPERLINK("http://evil.example","x")',
    "a, b, c",
)
NUMERIC = {
    "value",
    "low",
    "high",
    "central",
    "interval_low",
    "interval_high",
    "ratio",
    "line",
    "more",
    "facts",
    "Facts",
}
FACT_IDS = ["f-a-1", "f-a-2", "f-b-1", "f-b-2", "f-aid-1", "f-aid-2", "f-kit-1", "f-total-1"]


def spreadsheet_runs(cell: str) -> bool:
    """What a spreadsheet could run: the first character that is not a space or invisible (Unicode
    spaces, format and control characters) is = + - @, a tab, a CR or LF, or a full-width or small
    form of one (told independently of csvout, by NFKC)."""
    for char in cell:
        if char in "=+-@\t\r\n" or unicodedata.normalize("NFKC", char) in ("=", "+", "-", "@"):
            return True
        if not (char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cf", "Cc")):
            return False
    return False


def test_the_checker_sees_every_payload():
    """The test's own judge: every payload would run, or carries a line break or a separator."""
    runs = [p for p in PAYLOADS if spreadsheet_runs(p)]
    assert set(PAYLOADS) - set(runs) == {"a\r=cmd|' /C calc'!A0", "a\n=b", "a\r\n=b", '"quoted"', "a, b, c"}
    assert not spreadsheet_runs("'=1+1") and not spreadsheet_runs("a=1") and not spreadsheet_runs("")


# ---- a fact base with payloads in every text field ---------------------------------------------


class _Filled:
    """test_xss's payload base with every free-text field set by `text(model, field, instance)`."""

    def __init__(self, text) -> None:  # noqa: ANN001
        self.text = text

    def fill(self, model: str, record: dict, instance: str) -> dict:
        for m, name in sorted(text_fields()):
            if m == model:
                # A field shorter than the payload (short_name: 40) holds its first characters,
                # which still begin as the payload does.
                value = self.text(model, name, instance)[: _max_length(model, name)]
                record[name] = [value, f"{value} tag"] if _is_list(model, name) else value
        return record


def payload_document(text) -> dict:  # noqa: ANN001 - text(model, field, instance) -> str
    """A fact base with a conflict (compare), a question, a series (timelines) and aid packages with a
    stated total (the Aid page's table of totals): the XSS test's, every free-text field set by `text`."""
    return xss_payload_document(_Filled(text))


def write_base(folder: Path, text) -> Path:  # noqa: ANN001
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "facts.yaml"
    document = payload_document(text)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    return path


def one_payload(payload: str):
    """Every text field starts with `payload` (a field of one instance is told apart by its end)."""
    return lambda model, name, instance: payload if name in ("name", "label", "title") else f"{payload} {instance}"


def rotating():
    """Each text field gets the next payload: every payload in many fields and instances."""
    turn = itertools.cycle(PAYLOADS)
    return lambda model, name, instance: next(turn)


# ---- reading a CSV back as a spreadsheet would ---------------------------------------------------


def parsed(data: bytes | str) -> tuple[list[str], list[dict]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body), "a row with more or fewer cells than the header"
    return header, [dict(zip(header, row, strict=True)) for row in body]


def assert_safe(data: bytes | str, where: str) -> list[dict]:
    """No cell a spreadsheet would run; numeric columns hold numbers (a negative one as it is)."""
    header, rows = parsed(data)
    for row in rows:
        for column, cell in row.items():
            if column in NUMERIC and cell:
                float(cell)  # a number, as written: no apostrophe in front of it
                continue
            assert not spreadsheet_runs(cell), f"{where}: {column} = {cell!r} would run as a formula"
    for column in header:
        assert not spreadsheet_runs(column), f"{where}: header {column!r}"
    return rows


def assert_as_written(rows: list[dict], facts: pd.DataFrame, where: str) -> None:
    """Each text cell is the fact's text, or it with an apostrophe in front: nothing else changed."""
    expected = ex.data_frame(facts).set_index("fact_id")
    for row in rows:
        fact = expected.loc[row["fact_id"]]
        for column in ("claimant_name", "source_title", "publisher", "quote", "metric_label", "unit"):
            value = fact[column]
            assert row[column] in (value, "'" + value), f"{where}: {column} {row[column]!r} for {value!r}"
            assert row[column].startswith("'") == spreadsheet_runs(value), f"{where}: {column} {row[column]!r}"


@pytest.fixture(scope="module", params=PAYLOADS, ids=lambda p: p.encode("unicode_escape").decode()[:20])
def payload_base(request, tmp_path_factory):
    path = write_base(tmp_path_factory.mktemp("csv-payloads"), one_payload(request.param))
    return path, load_factbase(path), request.param


@pytest.fixture(scope="module")
def rotating_base(tmp_path_factory):
    handed: list[str] = []
    turn = rotating()
    path = write_base(tmp_path_factory.mktemp("csv-rotating"), lambda *where: handed.append(turn(*where)) or handed[-1])
    assert set(handed) == set(PAYLOADS)  # every payload is in the base, in several fields
    return path, load_factbase(path)


# ---- every CSV path ---------------------------------------------------------------------------------


def test_the_data_csv_of_an_export_and_of_its_zip(payload_base, tmp_path):
    path, base, payload = payload_base
    assert sorted(base.facts["fact_id"]) == sorted(FACT_IDS)
    assert base.facts["quote"].str.startswith(payload).all()  # the payloads reached the facts
    charts = view_charts(base, Filters())
    assert len(charts) >= 3
    export = ex.Export(base, Filters(), charts, ["csv"])
    written = export.write(tmp_path / "out")
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    for where, data in (("data.csv", (tmp_path / "out" / "data.csv").read_bytes()), ("ZIP", archive.read("data.csv"))):
        rows = assert_safe(data, where)
        assert len(rows) == len(base.facts) == len(FACT_IDS), f"{where}: a line break in a field began a row"
        assert_as_written(rows, base.facts, where)
        assert all(float(r["value"]) > 0 for r in rows)
    for chart, stem in export.names():
        for where, data in (
            ("folder", (tmp_path / "out" / f"{stem}.csv").read_bytes()),
            ("ZIP", archive.read(ex.zip_entry(f"{stem}.csv"))),
        ):
            rows = assert_safe(data, f"{where} {stem}.csv")
            assert len(rows) == len(chart.rows), f"{stem}.csv: a line break in a field began a row"
            assert_as_written(rows, chart.rows, stem)
    assert len(written) == len(charts) + 3


def test_conflicts_and_questions_csv(payload_base, capsys):
    path, base, payload = payload_base
    for command in ("conflicts", "questions"):
        assert main([command, "--facts", str(path), "--format", "json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert main([command, "--facts", str(path), "--format", "csv"]) == 0
        rows = assert_safe(capsys.readouterr().out, command)
        if command == "conflicts":
            assert len(rows) == sum(len(g["members"]) for g in document) >= 2
            assert {r["fact_id"] for r in rows} == {"f-a-1", "f-a-2", "f-b-1", "f-b-2"}
            assert all(r["claimant_name"] in (payload, "'" + payload) for r in rows)
        else:
            kinds = ("disagreements", "inconsistencies", "explained")
            assert len(rows) == sum(len(q[k]) for q in document for k in kinds) >= 1
            assert all(r["title"] in (payload, "'" + payload) for r in rows)


def factdash(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args], capture_output=True, timeout=300, env={**os.environ}
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout.decode("utf-8")


def test_the_real_commands_write_safe_csv(rotating_base):
    """`factdash conflicts/questions --format csv` as a reader runs them, every payload in the base."""
    path, base = rotating_base
    conflicts = json.loads(factdash("conflicts", "--facts", str(path), "--format", "json"))
    rows = assert_safe(factdash("conflicts", "--facts", str(path), "--format", "csv"), "factdash conflicts")
    assert len(rows) == sum(len(g["members"]) for g in conflicts) >= 2
    for row in rows:
        assert float(row["ratio"]) > 1 and float(row["value"]) > 0
    assert any(cell.startswith("'") for row in rows for cell in row.values())  # payloads were there
    questions = json.loads(factdash("questions", "--facts", str(path), "--format", "json"))
    rows = assert_safe(factdash("questions", "--facts", str(path), "--format", "csv"), "factdash questions")
    kinds = ("disagreements", "inconsistencies", "explained")
    assert len(rows) == sum(len(q[k]) for q in questions for k in kinds) >= 1
    assert any(cell.startswith("'") for row in rows for cell in row.values())


def test_the_dashboard_tables_download_through_the_one_writer(payload_base):
    from dashboard.app.ui.components import facts_csv, table_csv

    _, base, _ = payload_base
    rows = assert_safe(facts_csv(base.facts), "facts table download")
    assert len(rows) == len(base.facts)
    assert_as_written(rows, base.facts, "facts table download")
    per_source = base.facts.groupby(["publisher", "source_title"], dropna=False).size().rename("facts").reset_index()
    rows = assert_safe(table_csv(per_source), "facts per source")
    assert sum(int(r["facts"]) for r in rows) == len(base.facts)
    labelled = pd.DataFrame({"name": base.facts["claimant_name"], "change": -base.facts["value"]})
    header, rows = parsed(table_csv(labelled, {"name": "Claimant", "change": "Change"}))
    assert header == ["Claimant", "Change"]
    assert all(float(r["Change"]) < 0 and not r["Change"].startswith("'") for r in rows)  # numbers stay numbers


def test_the_writer_quotes_line_breaks_and_keeps_numbers():
    frame = pd.DataFrame(
        {
            "text": ["a\r=cmd", "b\nc", 'say "x"', "1,2", "-5", "\uff0d5", "plain", None],
            "number": [-5, -0.5, 1e300, float("inf"), float("nan"), 0, 3, 4],
        }
    )
    text = csvout.frame_csv(frame)
    assert text.count("\r\n") == 1 + len(frame)  # the header and each row end in CR LF (RFC 4180)
    header, rows = parsed(text)
    assert [r["text"] for r in rows] == ["a\r=cmd", "b\nc", 'say "x"', "1,2", "'-5", "'\uff0d5", "plain", ""]
    assert [r["number"] for r in rows] == ["-5.0", "-0.5", "1e+300", "", "", "0.0", "3.0", "4.0"]
    assert '"a\r=cmd"' in text and '"b\nc"' in text  # quoted: no new row begins at the CR
    assert csvout.safe_text("5-") == "5-" and csvout.safe_text("") == ""
    assert csvout.cell(-5) == -5 and csvout.cell(True) is True


# ---- the dashboard: the table toolbar's own download is off, and no server path is shown -----------


def test_tables_are_downloaded_through_ours_and_show_no_server_path(rotating_base, monkeypatch):
    import streamlit as st

    from dashboard.app.ui.components import TABLE_DOWNLOAD

    path, _ = rotating_base
    folder = str(path.parent)
    at = run_page("views/sources.py", path, monkeypatch)
    # Streamlit's toolbar download (and copy) writes cells as they are: switched off.
    assert st.get_option("client.disableDataExport") is True
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count(TABLE_DOWNLOAD) == 3  # the facts found, per source, per claimant
    [facts] = [d.value for d in at.dataframe if "where" in d.value.columns]
    assert facts["where"].str.match(r"^facts\.yaml:\d+$").all(), facts["where"].tolist()
    quality = run_page("views/quality.py", path, monkeypatch)
    assert TABLE_DOWNLOAD in [b.proto.label for b in quality.get("download_button")]
    for table in quality.dataframe:
        assert folder not in table.value.astype(str).to_csv()


def test_an_export_readme_names_no_server_path(rotating_base):
    path, base = rotating_base
    export = ex.Export(base, Filters(), view_charts(base, Filters())[:1], ["csv"], facts_path=path.name)
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    readme = archive.read("README.txt").decode()
    assert "  files:    facts.yaml" in readme and "--facts facts.yaml" in readme
    assert str(path.parent) not in readme
    assert ex.reader_path(str(path.parent / "facts" / "more.yaml"), str(path)) == "facts/more.yaml"
    assert ex.reader_path("/somewhere/else/more.yaml", str(path)) == "more.yaml"
