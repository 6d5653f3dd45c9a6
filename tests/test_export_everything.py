"""Export everything: the ZIP's folders by kind, one shared plotly.js, progress per file, and the
page's Make ZIP button with its progress bar (real Streamlit through AppTest)."""

from __future__ import annotations

import io
import os
import re
import zipfile

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from charts import marks
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


# ---- what the faster export must not change (issue 19, item 5) --------------------------------


def _json(spec: dict) -> str:
    import json

    import plotly.utils

    return json.dumps(spec, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def _reference_export_spec(chart) -> dict:
    """export_spec as it was made on the Figure itself (validated again), before it was made in the
    figure's dict."""
    spec = chart.draw().to_dict()
    ex.refit_legend(spec, ex.WIDTH)
    fig = go.Figure(spec)
    fig.update_layout(paper_bgcolor="white", plot_bgcolor="white", title_pad_l=12)
    ex.add_footer(fig, chart)
    spec = fig.to_dict()
    spec["layout"]["template"] = ex._white_template()
    return spec


def test_export_spec_is_the_figure_with_its_footer_as_drawn_on_the_figure(tiny):
    charts = view_charts(tiny, Filters())
    for chart in charts:
        spec = ex.export_spec(chart)
        assert _json(spec) == _json(_reference_export_spec(chart)), chart.chart_id
        names = [a.get("name") for a in spec["layout"]["annotations"]]
        assert names.count("caption") == 1 and names[-2:] == ["caption", "provenance"]
    served = ex.served_figure(charts[0])["layout"]
    drawn = ex.add_footer(go.Figure(charts[0].figure_dict), charts[0], stamp=False, screen=True).layout.to_plotly_json()
    assert served["annotations"] == drawn["annotations"] and served["margin"] == drawn["margin"]


def test_an_image_is_drawn_without_hover_texts_and_the_same_as_with_them(tiny):
    for chart in view_charts(tiny, Filters()):
        with_hover = ex.export_spec(chart)
        assert _json(ex.image_spec(chart)) == _json(ex.image_spec(chart, spec=with_hover)), chart.chart_id
    # The page and the HTML files keep their hover texts: the flag is on unless an image is made.
    timeline = next(c for c in view_charts(tiny, Filters()) if c.chart_id.startswith("timeline:"))
    assert marks.HOVER.get() is True
    assert any(any(t.get("hovertext", [])) for t in ex.export_spec(timeline)["data"])
    assert any(t.hovertext and any(t.hovertext) for t in timeline.figure.data)
    page = zipfile.ZipFile(io.BytesIO(_export(tiny, ["html"]).to_zip()))
    html_page = page.read(f"html/{timeline.stem}.html").decode()
    assert "Claimed by:" in html_page


def test_each_csv_of_an_export_holds_its_chart_rows_as_to_csv_writes_them(tiny):
    export = _export(tiny, ["csv", "json"])
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    for chart, stem in export.names():
        assert archive.read(f"csv/{stem}.csv") == ex.to_csv(chart.rows), chart.chart_id
        rows = __import__("json").loads(archive.read(f"json/{stem}.json"))["rows"]
        assert rows == __import__("json").loads(ex.to_json(chart))["rows"]
    assert archive.read("data.csv") == ex.to_csv(export.data_facts)
    # Rows not among the export's facts (or under another index) are written as they are.
    other = export.data_facts.iloc[:2].copy()
    other.index = [10**9, 10**9 + 1]
    assert export._csv(other) == ex.to_csv(other)


def test_the_view_chart_ids_are_those_of_view_charts(tiny):
    for filters in (Filters(), Filters(sources=("rep",)), Filters(party="parties")):
        assert ex.view_chart_ids(tiny, filters) == [c.chart_id for c in view_charts(tiny, filters)]
    export = _export(tiny)
    assert ex.all_charts(export) and not ex.all_charts(ex.Export(tiny, Filters(), export.charts[:1], ["csv"]))


def _svg_text(data: bytes) -> list[str]:
    import xml.etree.ElementTree as ET

    return [t for t in ET.fromstring(data).itertext() if t.strip()]


def test_images_are_the_same_whether_the_tab_is_reloaded_after_each_or_not(tiny, monkeypatch):
    from dashboard.exports import images

    if not images.images_available():
        if os.environ.get("CI") == "true":
            pytest.fail(images.NO_BROWSER)  # CI installs Chromium: a missing one is a failure there
        pytest.skip(images.NO_BROWSER)
    export = _export(tiny, ["png", "svg"])
    reused = zipfile.ZipFile(io.BytesIO(export.to_zip()))
    assert reused.namelist() == export.zip_names()
    images.stop()
    monkeypatch.setattr(images, "RELOAD_EVERY", 1)  # a fresh page for every image, as Kaleido has it
    try:
        for chart, stem in export.names():
            spec = ex.image_spec(chart)
            fresh = images.render(spec, "png", width=ex.WIDTH, scale=ex.SCALE)
            assert reused.read(f"png/{stem}.png") == fresh, f"{stem}.png"  # the same pixels, byte for byte
            # An SVG names its clip paths afresh each time (defs-4f3a2b): its text is the same.
            fresh = images.render(spec, "svg", width=ex.WIDTH, scale=ex.SCALE)
            assert _svg_text(reused.read(f"svg/{stem}.svg")) == _svg_text(fresh), f"{stem}.svg"
    finally:
        images.stop()
