"""Export everything: the ZIP's folders by kind, one shared plotly.js, progress per file, and the
page's Make ZIP button with its progress bar (real Streamlit through AppTest)."""

from __future__ import annotations

import io
import re
import zipfile

from streamlit.testing.v1 import AppTest

from charts.registry import view_charts
from dashboard.analysis.filters import Filters
from dashboard.exports import files as ex

from .conftest import ROOT

DATA_FORMATS = ["html", "csv", "json"]  # no browser needed, so the test runs everywhere


def _export(base, formats=DATA_FORMATS):
    return ex.Export(base, Filters(), view_charts(base, Filters()), list(formats))


def test_zip_holds_each_kind_in_its_folder_and_the_export_files_at_the_top(tiny):
    export = _export(tiny)
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    names = archive.namelist()
    assert names == export.zip_names()
    assert names[-3:] == ["data.csv", "SOURCES.md", "README.txt"]
    stems = [stem for _, stem in export.names()]
    for fmt in DATA_FORMATS:
        assert [n for n in names if n.startswith(f"{fmt}/") and n.endswith(f".{fmt}")] == [
            f"{fmt}/{stem}.{fmt}" for stem in stems
        ]
    assert {n.split("/")[0] for n in names if "/" in n} == set(DATA_FORMATS)
    assert len(stems) == len(view_charts(tiny, Filters())) > 1  # every chart of the view


def test_html_files_share_one_plotly_js_that_is_in_the_zip(tiny):
    archive = zipfile.ZipFile(io.BytesIO(_export(tiny).to_zip()))
    names = archive.namelist()
    assert names.count(ex.PLOTLY_JS_ENTRY) == 1
    plotly_js = archive.read(ex.PLOTLY_JS_ENTRY)
    assert len(plotly_js) > 1_000_000 and b"plotly" in plotly_js[:2000].lower()
    pages = [n for n in names if n.endswith(".html")]
    assert pages
    for name in pages:
        page = archive.read(name).decode()
        scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
        assert "plotly.min.js" in scripts  # relative: html/plotly.min.js beside the page
        assert len(page) < len(plotly_js) / 4  # not embedded again
    # A folder export (no ZIP) keeps each HTML file standalone: it must work on its own.
    assert len(ex.to_html(view_charts(tiny, Filters())[0])) > len(plotly_js)


def test_no_plotly_js_without_html(tiny):
    names = zipfile.ZipFile(io.BytesIO(_export(tiny, ["csv"]).to_zip())).namelist()
    assert ex.PLOTLY_JS_ENTRY not in names and all(n.startswith("csv/") for n in names[:-3])


def test_progress_is_reported_per_file_and_reaches_one(tiny):
    export = _export(tiny)
    calls = []
    export.to_zip(lambda done, total, name: calls.append((done, total, name)))
    assert [done for done, _, _ in calls] == list(range(1, len(export) + 1))
    assert {total for _, total, _ in calls} == {len(export)}
    assert calls[-1][0] / calls[-1][1] == 1.0
    assert [name for _, _, name in calls] == export.file_names()


def test_each_chart_is_drawn_once_per_export(tiny, monkeypatch):
    drawn = []
    real = ex.export_spec
    monkeypatch.setattr(ex, "export_spec", lambda chart: drawn.append(chart.chart_id) or real(chart))
    export = _export(tiny, ["html", "json"])
    export.to_zip()
    assert sorted(drawn) == sorted(chart.chart_id for chart in export.charts)


def test_the_page_makes_the_zip_with_a_progress_bar_then_offers_it(tiny_path, monkeypatch):
    monkeypatch.setenv("FACTDASH_FACTS", str(tiny_path))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=120)
    at.run()
    at.switch_page("views/compare.py")
    at.run()
    assert not at.exception, at.exception
    assert "Download ZIP" not in [b.proto.label for b in at.get("download_button")]  # made on click
    at.multiselect(key="export-formats").set_value(["csv"])
    at.run()
    at.button(key="export-make").click()
    at.run()
    assert not at.exception, at.exception
    bars = at.get("progress")
    assert bars and bars[-1].proto.value == 100  # the bar, finished
    zips = [b for b in at.get("download_button") if b.proto.label == "Download ZIP"]
    assert len(zips) == 1 and not zips[0].proto.disabled
