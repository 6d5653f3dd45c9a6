"""Every page on a phone (issue 19, item 3): a 390 x 844 px touch screen at 3 device pixels per px,
against a real `factdash serve` on the default facts.yaml.

Streamlit gives the page's column 358 px of a 390 px screen, so the chart is 358 px wide. The checks:
- the page does not scroll sideways;
- each chart takes the column's width, and its plot keeps a usable size: at least 250 px tall (200 px
  a panel where panels share the time axis: five or more grid lines apart), and at least 250 px wide
  (two thirds of the screen; before, the legend beside the plot left it 64 px), 170 px on a Compare
  chart, whose claimants' names stand at the left of each row (up to 28 characters a line);
- the legend lies between the title and the plot, within the chart's width, never over a plot area;
- every title (the chart's, its subtitle, each panel's) and the sources caption and provenance line
  drawn under the plot lie inside the chart, nothing cut (the page draws them in narrow lines that end
  at the plot's right edge: provenance.SCREEN_WRAP).
"""

from __future__ import annotations

import json

import pytest

from .serving import serve
from .test_browser import PAGES

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
CHART_PAGES = ("", "questions", "compare", "timelines", "aid")
FOOTER: tuple[str, ...] = ()  # annotations left out of the check: none (the footer is checked too)
TALL, PANEL_TALL, WIDE, COMPARE_WIDE, SLACK = 250, 200, 250, 170, 1

# Each chart's boxes in CSS px of the page: the chart, its plot areas (one per panel), its legend,
# its title and subtitle, and its titled annotations (panel titles, the ratio, the sources footer).
GEOMETRY = """(footer) => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
    return r.width || r.height ? {left: r.left, top: r.top, right: r.right, bottom: r.bottom} : null; };
  return {
    scroll: document.scrollingElement.scrollWidth,
    charts: [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
      kind: (gd._fullLayout.meta || {}).chart,
      chart: box(gd),
      plots: [...gd.querySelectorAll('.nsewdrag')].map(box),
      legend: box(gd.querySelector('.legend')),
      titles: [...gd.querySelectorAll('.gtitle, .gtitle-subtitle')].map(e => [e.textContent, box(e)]),
      notes: (gd._fullLayout.annotations || []).map((a, i) => [a.text, a.name, a.xref,
        box(gd.querySelector(`.annotation[data-index="${i}"] .annotation-text-g`))])
        .filter(([, name, xref]) => xref === 'paper' && !footer.includes(name)),
    })),
  };
}"""


@pytest.fixture(scope="module")
def phone(chromium):
    with serve() as url:
        context = chromium.new_context(**PHONE)
        yield url, context
        context.close()


def settled(page) -> dict:
    """The page's geometry once Streamlit has finished its run and Plotly its relayouts (the same
    boxes two measures 400 ms apart)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    before = None
    for _ in range(40):
        now = page.evaluate(GEOMETRY, list(FOOTER))
        if now == before:
            return now
        before = now
        page.wait_for_timeout(400)
    raise AssertionError(f"the page never settled: {json.dumps(now)[:2000]}")


def inside(inner: dict, outer: dict) -> bool:
    return all(
        (inner[side] >= outer[side] - SLACK) if side in ("left", "top") else (inner[side] <= outer[side] + SLACK)
        for side in ("left", "top", "right", "bottom")
    )


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_is_usable_on_a_phone(phone, path):
    url, context = phone
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    page.get_by_text(PAGES[path]).first.wait_for(timeout=90_000)
    if path in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    shown = settled(page)
    assert not errors, errors
    assert page.evaluate("window.innerWidth") == 390
    assert shown["scroll"] <= 390 + SLACK, f"the page scrolls sideways: {shown['scroll']} px wide"
    charts = shown["charts"]
    assert len(charts) >= (1 if path in CHART_PAGES else 0)
    for chart in charts:
        where = f"{path or 'overview'}: {chart['kind']} chart {[t for t, _ in chart['titles']]}"
        frame, plots, legend = chart["chart"], chart["plots"], chart["legend"]
        assert frame["right"] - frame["left"] >= 350, f"{where}: not at the column's full width: {frame}"
        assert frame["right"] <= 390 + SLACK, where
        assert plots, f"{where}: no plot area drawn"
        least = TALL if len(plots) == 1 else PANEL_TALL
        wide = COMPARE_WIDE if chart["kind"] == "compare" else WIDE
        for plot in plots:
            size = (plot["right"] - plot["left"], plot["bottom"] - plot["top"])
            assert size[1] >= least and size[0] >= wide, f"{where}: a plot area of {size[0]:.0f} x {size[1]:.0f} px"
            assert inside(plot, frame), f"{where}: plot area {plot} outside the chart {frame}"
        assert sum(p["bottom"] - p["top"] for p in plots) >= TALL, where
        if legend is not None:
            assert inside(legend, frame), f"{where}: the legend {legend} runs out of the chart {frame}"
            assert legend["bottom"] <= min(p["top"] for p in plots) + SLACK, f"{where}: the legend covers the plot"
        for text, title in chart["titles"]:
            if title is not None:
                assert inside(title, frame), f"{where}: title {text!r} at {title} is cut (chart {frame})"
        for text, _, _, note in chart["notes"]:
            if note is not None:
                assert inside(note, frame), f"{where}: {text!r} at {note} is cut (chart {frame})"
        drawn = {name for _, name, _, note in chart["notes"] if note is not None}
        assert {"caption", "provenance"} <= drawn, f"{where}: the sources footer is not drawn: {drawn}"
    page.close()
