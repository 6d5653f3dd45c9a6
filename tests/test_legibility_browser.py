"""Every chart of the default fact base, drawn as its PNG is (the export figure, by plotly.js in
Chromium at the export width): no two annotations' boxes overlap, none covers the legend, and no
legend text is cut (by the image's edge, by the legend's own clip or scroll, or by an ellipsis).

The boxes are the browser's own (getBoundingClientRect of the drawn SVG), so what is checked is
what a reader of the image sees; a figure built to fail shows that the checks can fail.
"""

from __future__ import annotations

import collections
from pathlib import Path

import plotly.graph_objects as go
import plotly.offline
import pytest
from plotly.io.json import to_json_plotly

from charts.registry import view_charts
from dashboard.analysis.filters import Filters
from dashboard.exports.files import WIDTH, image_spec
from dashboard.factbase.loader import load_factbase

ROOT = Path(__file__).resolve().parent.parent
SLACK = 1.0  # px: boxes that touch, or meet in a rounding error, do not overlap

MEASURE = """async (json) => {
  const spec = JSON.parse(json);
  const div = document.getElementById('chart');
  await Plotly.newPlot(div, spec.data, spec.layout, {staticPlot: true});
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const svg = box(div.querySelector('.main-svg'));
  const annotations = [...div.querySelectorAll('.infolayer g.annotation')]
    .map(a => ({text: a.textContent, ...box(a)}))
    .filter(b => b.right - b.left > 0 && b.bottom - b.top > 0);
  const bg = div.querySelector('.legend .bg');
  const scrollbar = div.querySelector('.legend .scrollbar');
  const texts = [...div.querySelectorAll('.legend .legendtext')].map(t => ({text: t.textContent, ...box(t)}));
  const result = {svg, annotations, legend: bg ? box(bg) : null, texts,
                  scrollbar: scrollbar ? scrollbar.getBoundingClientRect().height : 0};
  Plotly.purge(div);
  return result;
}"""


def overlap(a: dict, b: dict) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > SLACK
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > SLACK
    )


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["left"] >= outer["left"] - SLACK
        and inner["right"] <= outer["right"] + SLACK
        and inner["top"] >= outer["top"] - SLACK
        and inner["bottom"] <= outer["bottom"] + SLACK
    )


def problems(drawn: dict) -> list[str]:
    """What a reader of the image could not read, in words."""
    found = []
    notes = drawn["annotations"]
    for i, a in enumerate(notes):
        for b in notes[i + 1 :]:
            if overlap(a, b):
                found.append(f"annotations overlap: {a['text'][:50]!r} and {b['text'][:50]!r}")
        if drawn["legend"] and overlap(a, drawn["legend"]):
            found.append(f"annotation over the legend: {a['text'][:50]!r}")
    if drawn["scrollbar"] > 0:
        found.append("the legend scrolls: an image shows only part of it")
    for text in drawn["texts"]:
        if not inside(text, drawn["svg"]):
            found.append(f"legend text cut by the image's edge: {text['text'][:50]!r}")
        elif drawn["legend"] and not inside(text, drawn["legend"]):
            found.append(f"legend text cut by the legend's box: {text['text'][:50]!r}")
        if text["text"].rstrip().endswith("…"):
            found.append(f"legend text cut short: {text['text']!r}")
    return found


@pytest.fixture(scope="module")
def page(chromium):
    """A blank page with plotly.js (the version the exports draw with), as Kaleido's is."""
    tab = chromium.new_page(viewport={"width": WIDTH + 100, "height": 900})
    tab.set_content("<html><body style='margin:0'><div id='chart'></div></body></html>")
    tab.add_script_tag(content=plotly.offline.get_plotlyjs())
    yield tab
    tab.close()


def draw(page, spec: dict) -> dict:
    layout = {**spec["layout"], "width": WIDTH}  # the export's width (its height is the figure's own)
    return page.evaluate(MEASURE, to_json_plotly({"data": spec["data"], "layout": layout}))


@pytest.fixture(scope="module")
def charts():
    base = load_factbase(ROOT / "facts.yaml")
    return view_charts(base, Filters())


def test_every_chart_of_the_default_base_is_legible(page, charts):
    assert len(charts) > 50  # the default base's charts, all of them
    found = {}
    for chart in charts:
        drawn = draw(page, image_spec(chart))
        assert drawn["annotations"], f"{chart.chart_id}: nothing drawn (no footer?)"
        if problems(drawn):
            found[chart.chart_id] = problems(drawn)
    assert not found, "\n".join(f"{chart}: {'; '.join(p)}" for chart, p in found.items())


def test_the_checks_see_overlaps_and_cut_legends(page):
    fig = go.Figure(
        [go.Scatter(x=[1, 2], y=[i, i + 1], name=f"Claimant number {i}") for i in range(30)]
        + [go.Scatter(x=[1], y=[1], name="General Staff of the Armed Forces o…")]
    )
    fig.add_annotation(x=1.5, y=10, text="First label, long enough to be hit", showarrow=False)
    fig.add_annotation(x=1.5, y=10, text="Second label on the same spot", showarrow=False)
    fig.add_annotation(xref="paper", yref="paper", x=1.2, y=0.9, text="Over the legend", showarrow=False)
    fig.update_layout(height=300)
    found = problems(draw(page, fig.to_dict()))
    assert any(p.startswith("annotations overlap") for p in found), found
    assert any(p.startswith("annotation over the legend") for p in found), found
    assert any(p.startswith("legend text cut by the legend's box") for p in found), found
    assert any(p.startswith("legend text cut short") for p in found), found


def test_no_two_claimants_of_a_chart_look_alike(charts):
    """A colour repeats within a chart only with another dash or marker: (colour, dash, marker) is
    one claimant's alone on every chart of the default base."""
    for chart in charts:
        looks = collections.defaultdict(set)
        for trace in chart.figure.data:
            if trace.type != "scatter" or trace.legendgroup in (None, "key", "measures") or trace.x[0] is None:
                continue
            if trace.name.endswith(("(open-ended)", "(marked points)")) or "(computed)" in trace.name:
                continue
            symbols = trace.marker.symbol
            variant = {str(s).endswith("-dot") for s in symbols} if isinstance(symbols, tuple | list) else {False}
            claimant = trace.name
            looks[(trace.line.color or trace.marker.color, trace.line.dash or "solid", tuple(sorted(variant)))].add(
                claimant
            )
        shared = {look: names for look, names in looks.items() if len(names) > 1}
        assert not shared, f"{chart.chart_id}: claimants drawn alike: {shared}"
