"""What `factdash export` writes beside the charts (issue 19): data.csv and SOURCES.md hold the facts
and sources of the charts exported, `--with-data` (and `--all`) every fact under the filter; and
SOURCES.md keeps every web address a source gives, made safe as a Markdown link."""

from __future__ import annotations

import re
from urllib.parse import quote

import pandas as pd
import pytest

from charts.registry import find_chart, view_charts
from dashboard.analysis.filters import Filters
from dashboard.cli import main
from dashboard.exports import files as ex
from dashboard.factbase.loader import load_factbase

from .conftest import ROOT
from .test_export import COMPARE

# A CommonMark autolink: `<`, a scheme, `:`, then anything but ASCII controls, space, `<` and `>`.
AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*)>")
CITED = re.compile(r" — `([^`]+)`, ")  # a citation line of SOURCES.md ends with its source id


@pytest.fixture(scope="module")
def default_base():
    return load_factbase(ROOT / "facts.yaml")


def same_address(a: str, b: str) -> bool:
    """The same URL once the characters a browser percent-encodes anyway are encoded (existing
    %XX escapes are kept as they are, so `%2F` still differs from `/`)."""

    def encoded(url: str) -> str:
        return quote(url.strip(), safe="%/:=&?~#+!$,;'@()*[]")

    return encoded(a) == encoded(b)


def cited_ids(markdown: str) -> set[str]:
    citations = markdown.split("\n## Charts\n")[0]
    return {m.group(1) for line in citations.splitlines() if (m := CITED.search(line))}


def chart_sources(rows: pd.DataFrame) -> set[str]:
    return set(rows["source"].dropna()) | set(rows["via"].dropna() if "via" in rows else ())


def export(args: list[str], out) -> int:  # noqa: ANN001
    return main(["export", *args, "--out", str(out)])


# ---- one chart: its own facts and sources ------------------------------------------------------------


def test_one_chart_writes_its_own_facts_and_sources(tiny_path, tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(["--facts", str(tiny_path), "--chart", COMPARE, "--format", "csv"], out) == 0
    capsys.readouterr()
    chart = find_chart(tiny, Filters(), COMPARE)
    data = pd.read_csv(out / "data.csv")
    assert sorted(data["fact_id"]) == sorted(chart.rows["fact_id"])
    assert len(data) < len(tiny.facts)  # not the whole base
    sources = (out / "SOURCES.md").read_text()
    assert cited_ids(sources) == chart_sources(chart.rows)
    readme = (out / "README.txt").read_text()
    assert f"Facts:      {len(data)} of {len(tiny.facts)}: those of the charts below" in readme
    assert "--with-data" not in readme.split("To make this export again")[1]


def test_one_chart_of_the_default_base(default_base, tmp_path, capsys):
    """The bundled base: the smallest chart drawing facts of several sources, one through a dataset."""
    charts = sorted(view_charts(default_base, Filters()), key=lambda c: (len(c.rows), c.chart_id))
    chart = next(c for c in charts if len(c.rows) > 1 and c.rows["via"].notna().any())
    out = tmp_path / "out"
    assert export(["--chart", chart.chart_id, "--format", "csv,json"], out) == 0
    assert f"for 1 chart to {out}" in capsys.readouterr().out
    data = pd.read_csv(out / "data.csv")
    assert sorted(data["fact_id"]) == sorted(chart.rows["fact_id"])
    own = pd.read_csv(out / f"{chart.stem}.csv")
    assert sorted(own["fact_id"]) == sorted(data["fact_id"])
    sources = (out / "SOURCES.md").read_text()
    assert cited_ids(sources) == chart_sources(chart.rows)
    assert f"Every source of the {len(chart.rows)} facts in `data.csv`" in sources
    assert (out / "README.txt").read_text().startswith(ex.README_MARKER)
    assert (out / "data.csv").stat().st_size < 100_000  # not the 13.5 MB of every fact


def test_with_data_writes_every_fact_and_source(tiny_path, tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(["--facts", str(tiny_path), "--chart", COMPARE, "--format", "csv", "--with-data"], out) == 0
    capsys.readouterr()
    data = pd.read_csv(out / "data.csv")
    assert sorted(data["fact_id"]) == sorted(tiny.facts["fact_id"])
    assert cited_ids((out / "SOURCES.md").read_text()) == chart_sources(tiny.facts)
    readme = (out / "README.txt").read_text()
    assert f"Facts:      {len(tiny.facts)} of {len(tiny.facts)} (all of them in data.csv)" in readme
    assert f"--chart {COMPARE} --format csv --with-data" in readme


def test_with_data_keeps_the_filter(tiny_path, tiny, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["--facts", str(tiny_path), "--chart", COMPARE, "--format", "json", "--with-data", "--source", "rep"]
    assert export(args, out) == 0
    capsys.readouterr()
    data = pd.read_csv(out / "data.csv")
    assert set(data["source"]) == {"rep"} and len(data) == (tiny.facts["source"] == "rep").sum()
    assert cited_ids((out / "SOURCES.md").read_text()) == {"rep"}


def test_all_writes_every_fact_under_the_filter(tiny_path, tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert export(["--facts", str(tiny_path), "--all", "--format", "csv"], out) == 0
    capsys.readouterr()
    assert sorted(pd.read_csv(out / "data.csv")["fact_id"]) == sorted(tiny.facts["fact_id"])
    assert "--with-data" not in (out / "README.txt").read_text()  # --all holds them anyway


def test_the_dashboards_export_everything_is_every_filtered_fact(tiny):
    """components.export_everything makes Export(base, filters, view_charts(...), formats): the view."""
    everything = ex.Export(tiny, Filters(), view_charts(tiny, Filters()), ["csv"])
    assert everything.scope == "view"
    assert sorted(everything.data_facts["fact_id"]) == sorted(tiny.facts["fact_id"])
    with pytest.raises(ValueError, match="export scope"):
        ex.Export(tiny, Filters(), [], ["csv"], scope="everything")


# ---- SOURCES.md keeps every address ------------------------------------------------------------------


def test_sources_md_links_every_address_of_the_default_base(default_base):
    export_ = ex.Export(default_base, Filters(), [], ["csv"])
    markdown = ex.sources_markdown(export_)
    lines = {m.group(1): line for line in markdown.splitlines() if (m := CITED.search(line))}
    sources = default_base.sources
    assert set(lines) == set(sources.index)  # every source: the facts' own and the datasets (via)
    with_url = [s for s in sources.index if isinstance(sources.loc[s, "url"], str)]
    assert with_url
    assert any("'" in sources.loc[s, "url"] for s in with_url)  # the DoD address that was dropped
    for source_id in sources.index:
        links = AUTOLINK.findall(lines[source_id])
        for column in ("url", "archive_url"):
            url = sources.loc[source_id, column] if column in sources else None
            if isinstance(url, str) and url.strip():
                assert any(same_address(link, url) for link in links), f"{source_id}: {url} not in SOURCES.md"


@pytest.mark.parametrize(
    "url, link",
    [
        ("https://example.org/a'b(c)d", "<https://example.org/a'b(c)d>"),
        (
            "https://example.org/x#:~:text=Ukraine's%20defenders",
            "<https://example.org/x#:~:text=Ukraine's%20defenders>",
        ),
        ('https://example.org/<b>"q"', "<https://example.org/%3Cb%3E%22q%22>"),
        ("  https://example.org/  ", "<https://example.org/>"),
        ("HTTPS://example.org/é", "<HTTPS://example.org/é>"),
        ("ftp://example.org/", ""),
        ("https:///no-host", ""),
        ("javascript:alert(1)", ""),
        ("https://example.org/a b", ""),
        (None, ""),
    ],
)
def test_an_address_as_a_markdown_link(url, link):
    made = ex._url(url)  # noqa: SLF001
    assert made == link
    if made:
        [inside] = AUTOLINK.findall(made)
        assert same_address(inside, url)
