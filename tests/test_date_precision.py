"""Dates at their precision everywhere: a figure dated "2025-01" never shows a day.

One fact base whose every date is a month (as_of, stated, the source's published, the metric's
since) is walked through every output: the dashboard's pages (text, tables, chart hovers and
titles), the command line (validate, conflicts, questions, verify, check, charts, export), the
exported files and the footer drawn under exported images. Nothing may show the first of a month
("2025-01-01", "1 January 2025"): the parsed period is given only where it is named as such
(`as_of_start`, `as_of_end`, `from`, `to`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest

from dashboard import load_factbase

from .conftest import DECLARED, ROOT

MONTHS = (
    DECLARED.replace("published: 2025-01-09", "published: 2025-01")
    + """\
metrics:
  nk-casualties:
    label: North Korean soldiers killed and wounded
    unit: people
    category: casualties
    aggregation: cumulative
    since: 2024-10
  nk-killed:
    label: North Korean soldiers killed
    unit: people
    category: casualties
    aggregation: cumulative
    since: 2024-10
    part_of: nk-casualties
questions:
  nk:
    title: How many North Korean soldiers were killed or wounded?
    metrics: [nk-casualties, nk-killed]
events:
  - date: 2025-01
    label: A month of fighting
facts:
  - {id: a, metric: nk-casualties, claimant: us-officials, source: rep, as_of: 2025-01, value: 1200,
     qualifier: approximately, quote: "about 1,200"}
  - {id: b, metric: nk-casualties, claimant: zelenskyy, source: rep, as_of: 2025-01, value: 4000, quote: "4,000"}
  - {id: c, metric: nk-killed, claimant: zelenskyy, source: rep, as_of: 2025-01, stated: 2025-01, value: 1500,
     quote: "1,500 killed"}
  - {id: d, metric: nk-casualties, claimant: us-officials, source: rep, as_of: 2024-12, value: 1000,
     qualifier: approximately}
"""
)

# The first day of a month given as a month, in every way a day is written here.
A_DAY = re.compile(
    r"20(?:24|25)-(?:01|10|12)-01"
    r"|\b1 (?:January|October|December) 20(?:24|25)\b"
    r"|(?:January|October|December) 1, 20(?:24|25)"
)
# Fields and columns that name the period a date covers: a day is what they hold.
PERIOD_FIELDS = {"as_of_start", "as_of_end", "as_of_from", "as_of_to", "from", "to"}


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    path = tmp_path_factory.mktemp("months") / "facts.yaml"
    path.write_text(MONTHS, encoding="utf-8")
    load_factbase(path)  # loads: every date is valid
    return path


def days_in_text(text: str) -> list[str]:
    return [m.group() for m in A_DAY.finditer(text)]


def days_in_json(value: object, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [d for k, v in value.items() if k not in PERIOD_FIELDS for d in days_in_json(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [d for i, v in enumerate(value) for d in days_in_json(v, f"{path}[{i}]")]
    return [f"{path}: {d}" for d in days_in_text(str(value))] if value is not None else []


def days_in_csv(text: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text[:200]
    return [
        f"{k}: {d}" for row in rows for k, v in row.items() if k not in PERIOD_FIELDS for d in days_in_text(v or "")
    ]


def factdash(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run.stdout


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["validate"], "text"),
        (["conflicts"], "text"),
        (["conflicts", "--format", "json"], "json"),
        (["conflicts", "--format", "csv"], "csv"),
        (["questions"], "text"),
        (["questions", "--format", "json"], "json"),
        (["questions", "--format", "csv"], "csv"),
        (["verify", "US officials said North Korean casualties were about 1,300."], "text"),
        (["verify", "US officials said North Korean casualties were about 1,300.", "--format", "json"], "json"),
        (["check"], "text"),
        (["check", "--format", "json"], "json"),
        (["charts"], "text"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else a,
)
def test_no_command_shows_a_day_for_a_month(months, args, kind):
    command, rest = args[0], args[1:]
    where = [str(months)] if command == "validate" else ["--facts", str(months)]
    out = factdash(command, *rest, *where)
    assert out.strip(), args
    found = {"text": days_in_text, "json": lambda t: days_in_json(json.loads(t)), "csv": days_in_csv}[kind](out)
    assert not found, (args, found)


def test_the_questions_output_keeps_the_month(months):
    (nk,) = json.loads(factdash("questions", "--facts", str(months), "--format", "json"))
    assert [e["as_of"] for e in nk["inconsistencies"]] == ["January 2025"]
    members = json.loads(factdash("conflicts", "--facts", str(months), "--format", "json"))[0]["members"]
    assert {(m["as_of"], m["as_of_start"], m["as_of_end"], m["stated"]) for m in members} == {
        ("2025-01", "2025-01-01", "2025-01-31", "2025-01")
    }


def test_no_exported_file_shows_a_day_for_a_month(months, tmp_path):
    out = tmp_path / "export"
    factdash("export", "--facts", str(months), "--all", "--format", "csv,json", "--out", str(out))
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert any(p.name == "data.csv" for p in files) and any(p.suffix == ".json" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = (
            days_in_csv(text)
            if path.suffix == ".csv"
            else days_in_json(json.loads(text))
            if path.suffix == ".json"
            else days_in_text(text)
        )
        assert not found, (path.name, found)
    rows = list(csv.DictReader(io.StringIO((out / "data.csv").read_text(encoding="utf-8"))))
    assert {(r["as_of"], r["as_of_start"], r["as_of_end"], r["published"]) for r in rows if r["fact_id"] == "a"} == {
        ("2025-01", "2025-01-01", "2025-01-31", "2025-01")
    }


def test_the_footer_of_every_exported_image_keeps_the_month(months):
    from charts.registry import view_charts
    from dashboard.exports.files import export_spec

    base = load_factbase(months)
    charts = view_charts(base, agreeing=True)
    assert {c.chart_id.split(":")[0] for c in charts} >= {"question", "compare", "timeline"}
    for chart in charts:
        layout = export_spec(chart)["layout"]
        texts = [a.get("text", "") for a in layout.get("annotations", [])]
        texts.append(str(layout.get("title", {}).get("text", "")))
        found = [d for t in texts for d in days_in_text(t)]
        assert not found, (chart.chart_id, found)
        assert any("January 2025" in t or "December 2024" in t for t in texts), (chart.chart_id, texts)


PAGES = [
    "views/overview.py",
    "views/questions.py",
    "views/compare.py",
    "views/timelines.py",
    "views/sources.py",
    "views/quality.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_day_for_a_month(months, page, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FACTDASH_FACTS", str(months))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    shown = [e.value for kind in ("markdown", "caption", "info", "warning", "subheader", "title") for e in at.get(kind)]
    shown += [str(m.value) for m in at.metric]
    shown += [frame.value.astype(str).to_csv() for frame in at.dataframe]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec["data"]:
            shown += [str(t) for t in trace.get("hovertext") or []]
        shown += [str(a.get("text", "")) for a in spec["layout"].get("annotations", [])]
        shown.append(json.dumps(spec["layout"].get("title", {})))
    found = [d for text in shown for d in days_in_text(text)]
    assert not found, (page, found)
    if page != "views/quality.py":  # the checks find nothing wrong here, so that page names no date
        assert any("2025-01" in text or "January 2025" in text for text in shown), page
