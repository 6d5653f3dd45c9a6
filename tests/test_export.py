"""Exports without a browser: the charts of a view, their data (CSV, JSON) and offline HTML, the ZIP,
safe file names, and what happens when there is no Chromium."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from charts import registry
from dashboard import load_factbase
from dashboard.analysis.filters import Filters, apply_filters
from dashboard.exports import files as ex
from dashboard.exports import images

from .conftest import MINIMAL, ROOT

# Two claimants disagree on North Korean casualties in January 2025 (a compare chart); Zelenskyy's
# earlier figure makes a timeline; two US packages make the aid chart. The quote, the source title
# and the publisher carry markup and spreadsheet formulas that must stay inert in every export.
SCRIPT = "</script><script>alert('quote')</script>"
TINY_FACTS = (
    MINIMAL.replace(
        """sources:
  rep:
    title: A report
    kind: news
    url: https://example.org/report
    published: 2025-01-09
""",
        """sources:
  rep:
    title: A report
    publisher: The Daily Example
    kind: news
    url: https://example.org/report
    published: 2025-01-09
  odd:
    title: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
    publisher: "@evil <b>Press</b>"
    kind: social
    url: https://example.org/odd?a=1&b=2
    published: 2024-10-02
""",
    )
    + f"""facts:
  - id: nk-zelenskyy
    metric: nk-casualties
    value: 4000
    as_of: 2025-01-09
    claimant: zelenskyy
    source: rep
    quote: "{SCRIPT} 4,000 casualties"
  - id: nk-us
    metric: nk-casualties
    value: "1,200"
    qualifier: approximately
    as_of: 2025-01-09
    claimant: us-officials
    source: rep
    quote: "-1,200 is what US officials estimate"
  - id: nk-zelenskyy-october
    metric: nk-casualties
    value: 3000
    as_of: 2024-10-01
    claimant: zelenskyy
    source: odd
    quote: "+3000 @ the front"
  - id: package-jan
    metric: us-package
    value: "$500 million"
    as_of: 2025-01-09
    claimant: us-officials
    source: rep
    stage: announced
  - id: package-dec
    metric: us-package
    value: "$988 million"
    as_of: 2024-12-01
    claimant: us-officials
    source: rep
    stage: committed
"""
)
COMPARE = "compare:nk-casualties:2025-01-09"
CHART_IDS = [COMPARE, "timeline:nk-casualties", "timeline:us-package", "aid:USD"]


def chart(base, chart_id: str, filters: Filters | None = None) -> registry.ChartSpec:
    return registry.find_chart(base, filters, chart_id)


def test_view_charts_lists_every_chart_of_the_view(tiny):
    assert [c.chart_id for c in registry.view_charts(tiny)] == CHART_IDS
    only_zelenskyy = registry.view_charts(tiny, Filters(claimants=("zelenskyy",)))
    assert [c.chart_id for c in only_zelenskyy] == ["timeline:nk-casualties"]  # nothing left to compare
    assert set(only_zelenskyy[0].rows["claimant"]) == {"zelenskyy"}


def test_chart_count_counts_without_building(tiny):
    for filters in (Filters(), Filters(claimants=("zelenskyy",)), Filters(categories=("aid",))):
        facts = apply_filters(tiny.facts, filters)
        assert registry.chart_count(facts, base=tiny) == len(registry.view_charts(tiny, filters))


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_the_rows_of_a_chart_are_the_facts_it_draws(tiny, chart_id):
    spec = chart(tiny, chart_id)
    assert sorted(spec.rows["fact_id"]) == sorted(spec.figure.layout.meta["fact_ids"])
    assert spec.figure.layout.title.text and spec.title in spec.figure.layout.title.text


def test_file_names_are_slugs_of_the_title_and_the_last_as_of_day(tiny):
    spec = chart(tiny, COMPARE)
    assert spec.stem == "north-korean-casualties-january-2025_2025-01-09"
    assert spec.file_name("png") == spec.stem + ".png"
    assert registry.slug("../../etc/passwd <x>") == "etc-passwd-x"
    assert registry.slug("") == "chart"


def test_unknown_chart_names_the_known_ones(tiny):
    with pytest.raises(ValueError, match=r"no chart 'compare:nope'.*known: compare:nk-casualties:2025-01-09"):
        chart(tiny, "compare:nope")
    with pytest.raises(ValueError, match="no chart 'aid:EUR'"):
        chart(tiny, "aid:EUR")
    assert chart(tiny, "timeline:nk-casualties+us-package").chart_id == "timeline:nk-casualties+us-package"


def test_csv_reads_back_to_the_numbers_and_provenance_of_the_chart(tiny):
    spec = chart(tiny, COMPARE)
    table = pd.read_csv(io.BytesIO(ex.to_csv(spec.rows)))
    assert list(table.columns) == ex.DATA_COLUMNS
    assert table["central"].dtype.kind == "f"  # numbers stay numbers
    drawn = {row["fact_id"]: row for row in spec.rows.to_dict("records")}
    assert set(table["fact_id"]) == set(spec.figure.layout.meta["fact_ids"]) == set(drawn)
    for row in table.to_dict("records"):
        fact = drawn[row["fact_id"]]
        assert row["central"] == fact["central"] and row["interval_low"] == pytest.approx(fact["interval_low"])
        for column in ("claimant_name", "source_title", "publisher", "url"):
            assert row[column] == fact[column]
        assert row["published"] == "2025-01-09" and row["as_of"] == "2025-01-09"
    us = table.set_index("fact_id").loc["nk-us"]
    assert us["qualifier"] == "approximately" and us["value"] == 1200
    # A cell a spreadsheet would run as a formula starts with an apostrophe instead.
    assert us["quote"] == "'-1,200 is what US officials estimate"
    # The marked-up quote is data in a CSV: kept as written (the chart escapes it when drawing).
    assert table.set_index("fact_id").loc["nk-zelenskyy", "quote"].startswith(SCRIPT)


def test_csv_neutralises_formulas_in_every_text_column(tiny):
    table = pd.read_csv(io.BytesIO(ex.to_csv(chart(tiny, "timeline:nk-casualties").rows)))
    odd = table.set_index("fact_id").loc["nk-zelenskyy-october"]
    assert odd["source_title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert odd["publisher"] == "'@evil <b>Press</b>"
    assert odd["quote"] == "'+3000 @ the front"
    assert odd["central"] == 3000.0
    assert ex.neutralise(-5) == -5 and ex.neutralise("-5") == "'-5" and ex.neutralise("5-") == "5-"


def test_json_carries_the_rows_and_what_they_are(tiny):
    filters = Filters(date_from=pd.Timestamp("2024-11-01").date())
    spec = chart(tiny, "timeline:nk-casualties", filters)
    document = json.loads(ex.to_json(spec))
    assert document["chart"] == "timeline:nk-casualties" and document["title"] == "North Korean casualties"
    assert document["filter"] == "as of 2024-11-01 to …" and document["filters"]["date_from"] == "2024-11-01"
    assert document["fact_base"]["content_hash"] == tiny.content_hash
    assert document["sources"].startswith("Source: The Daily Example")
    assert document["as_of"] == {
        "from": "2025-01-09",
        "to": "2025-01-09",
        "first_as_written": "2025-01-09",
        "last_as_written": "2025-01-09",
    }
    rows = {r["fact_id"]: r for r in document["rows"]}
    assert set(rows) == {"nk-zelenskyy", "nk-us"}  # the October figure is filtered out
    assert rows["nk-us"]["central"] == 1200 and rows["nk-us"]["interval_high"] == pytest.approx(1320)
    assert rows["nk-zelenskyy"]["quote"].startswith(SCRIPT)
    assert rows["nk-zelenskyy"]["party_to_conflict"] is True and rows["nk-us"]["stage"] is None


def test_open_ended_bounds_are_empty_not_inf(write):
    text = TINY_FACTS.replace("    value: 3000\n", "    value: 3000\n    qualifier: at_least\n")
    base = load_factbase(write("open.yaml", text))
    rows = chart(base, "timeline:nk-casualties").rows
    assert "inf" not in ex.to_csv(rows).decode()
    document = json.loads(ex.to_json(chart(base, "timeline:nk-casualties")))
    october = next(r for r in document["rows"] if r["fact_id"] == "nk-zelenskyy-october")
    assert october["interval_high"] is None and october["qualifier"] == "at_least"


def test_exported_figure_carries_title_sources_as_of_and_filter(tiny):
    filters = Filters(sources=("rep",))
    spec = chart(tiny, COMPARE, filters)
    fig = ex.export_figure(spec)
    texts = [a.text for a in fig.layout.annotations]
    assert fig.layout.title.text == "North Korean casualties, January 2025"
    assert any(t.startswith("Source: The Daily Example (A report, 2025-01-09)") for t in texts)
    note = next(a.text for a in fig.layout.annotations if a.name == "provenance")
    assert "As of 9 January 2025 ·" in note and "Filter: source: rep" in note  # one day: said once, in words
    assert tiny.content_hash[:12] in note
    assert fig.layout.paper_bgcolor == "white" and fig.layout.template.layout.font.color  # not Streamlit's blanks
    assert fig.layout.height > spec.figure.layout.height  # grown for the footer, the plot keeps its size
    assert spec.figure.layout.annotations == spec.draw().layout.annotations  # the page's figure is untouched


def test_html_works_offline_and_keeps_data_text_inert(tiny):
    page = ex.to_html(chart(tiny, COMPARE)).decode()
    assert page.startswith("<!doctype html>") or page.lower().startswith("<html")
    assert "<title>North Korean casualties, January 2025</title>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing to fetch: no CDN, no MathJax
    assert len(page) > 1_000_000  # plotly.js is embedded
    assert SCRIPT not in page and "<script>alert" not in page
    assert "Source: The Daily Example" in page


def test_html_title_of_a_marked_up_chart_is_escaped(tiny):
    spec = chart(tiny, COMPARE)
    spec.title = "<img src=x onerror=alert(1)>"
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in ex.to_html(spec).decode()


def test_parse_formats():
    assert ex.parse_formats("png, SVG,.pdf,png") == ["png", "svg", "pdf"]
    with pytest.raises(ValueError, match="unknown export format gif"):
        ex.parse_formats("png,gif")
    with pytest.raises(ValueError, match=r"\(none given\)"):
        ex.parse_formats(" , ")


def test_zip_of_data_formats_lists_every_file_and_how_to_reproduce_it(tiny):
    filters = Filters(claimants=("zelenskyy", "us-officials"), date_to=pd.Timestamp("2025-06-30").date())
    export = ex.Export(
        tiny, filters, registry.view_charts(tiny, filters), ["html", "csv", "json"], facts_path="facts.yaml"
    )
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    names = archive.namelist()
    stems = [c.stem for c in export.charts]
    assert names == [f"{f}/{s}.{f}" for s in stems for f in ("html", "csv", "json")] + [
        ex.PLOTLY_JS_ENTRY,  # one plotly.js for every HTML file, in their folder
        "data.csv",
        "SOURCES.md",
        "README.txt",
    ]
    readme = archive.read("README.txt").decode()
    assert tiny.content_hash in readme
    assert "Filter:     claimant: zelenskyy, us-officials; as of … to 2025-06-30" in readme
    assert (
        "factdash export --facts facts.yaml --all --format html,csv,json --claimant zelenskyy us-officials "
        "--to 2025-06-30"
    ) in readme
    assert "Facts:      5 of 5" in readme
    sources = archive.read("SOURCES.md").decode()
    assert "**The Daily Example**. *A report*. published 2025-01-09. <https://example.org/report>" in sources
    assert "\\<b\\>Press\\</b\\>" in sources  # markup in data is text in Markdown too
    assert "`rep`, 4 facts" in sources and "`odd`, 1 fact" in sources
    data = pd.read_csv(io.BytesIO(archive.read("data.csv")))
    assert len(data) == 5 and set(data["source"]) == {"rep", "odd"}
    assert all(info.date_time[:3] == export.exported.timetuple()[:3] for info in archive.infolist())


def test_repeated_titles_get_distinct_file_names(tiny):
    first, second = chart(tiny, "timeline:nk-casualties"), chart(tiny, "timeline:us-package")
    second.title = first.title
    export = ex.Export(tiny, Filters(), [first, second], ["csv"])
    names = [name for name, _ in export.files()][:2]
    assert names == [
        "north-korean-casualties_2025-01-09_timeline-nk-casualties.csv",
        "north-korean-casualties_2025-01-09_timeline-us-package.csv",
    ]


def test_files_are_written_inside_the_folder_only(tiny, tmp_path):
    out = tmp_path / "out"
    export = ex.Export(tiny, Filters(), [chart(tiny, COMPARE)], ["csv", "json"])
    written = export.write(out)
    assert {p.name for p in written} == {
        f"{chart(tiny, COMPARE).stem}.csv",
        f"{chart(tiny, COMPARE).stem}.json",
        "data.csv",
        "SOURCES.md",
        "README.txt",
    }
    assert all(p.parent == out for p in written)
    for bad in ("../escape.csv", "a/b.csv", "/etc/passwd", ".hidden", "..", ""):
        with pytest.raises(ValueError, match="refusing to write"):
            ex.write_into(out, bad, b"x")
    assert not (tmp_path / "escape.csv").exists()
    [archive] = export.write(tmp_path / "zipped", as_zip=True)
    assert archive.name.startswith("factdash-export_") and zipfile.is_zipfile(archive)


def test_without_chromium_images_explain_how_to_enable_them(tiny, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert not images.images_available()
    with pytest.raises(images.ImagesUnavailable, match="install it .* or set BROWSER_PATH"):
        ex.to_image(chart(tiny, COMPARE), "png")
    assert "\n" not in images.NO_BROWSER and "BROWSER_PATH" in images.NO_BROWSER
    # Data and HTML need no browser.
    for fmt in ("html", "csv", "json"):
        assert ex.export_file(chart(tiny, COMPARE), fmt)


def run_page(page: str, facts, monkeypatch) -> AppTest:
    monkeypatch.setenv("FACTDASH_FACTS", str(facts))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", ["views/compare.py", "views/timelines.py", "views/aid.py"])
def test_every_chart_page_offers_each_format(page, tiny_path, monkeypatch):
    buttons = run_page(page, tiny_path, monkeypatch).get("download_button")
    labels = [b.proto.label for b in buttons]
    assert labels == ["PNG", "SVG", "PDF", "HTML", "CSV", "JSON"]  # the ZIP's is offered once made
    if images.images_available():
        assert not any(b.proto.disabled for b in buttons)


def test_without_chromium_the_image_buttons_say_how_to_enable_them(tiny_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = run_page("views/compare.py", tiny_path, monkeypatch)
    disabled = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert disabled == {
        "PNG": True,
        "SVG": True,
        "PDF": True,
        "HTML": False,
        "CSV": False,
        "JSON": False,
    }
    assert images.NO_BROWSER in [c.value for c in at.caption]
    assert at.multiselect(key="export-formats").options == ["HTML", "CSV", "JSON"]
