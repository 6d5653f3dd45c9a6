"""timeline_figure and timeline_panels: claimants' figures over time, with events."""

import json

import numpy as np
import pandas as pd
import pytest

from charts import CHARTS, claimant_colors, downsample, timeline_figure, timeline_panels
from charts.marks import symbols
from dashboard import load_factbase

from .chart_frames import facts, series
from .conftest import ROOT

HOSTILE = "<script>alert(1)</script>"


def lines(fig):
    return [t for t in fig.data if t.legendgroup != "key" and not t.name.endswith(("(open-ended)", "(marked points)"))]


def marked(fig):
    return [t for t in fig.data if t.name.endswith("(marked points)")]


def overlays(fig):
    return [t for t in fig.data if t.name.endswith("(open-ended)")]


def events(*rows):
    return pd.DataFrame([{"event_id": f"e{i}", "note": None, **row} for i, row in enumerate(rows)])


def test_one_line_per_claimant_in_time_order():
    fig = timeline_figure(
        facts(
            {"claimant": "a", "value": 30, "as_of": "2024-03-01"},
            {"claimant": "a", "value": 10, "as_of": "2024-01-01"},
            {"claimant": "b", "value": 20, "as_of": "2024-02-01", "party_to_conflict": True},
        )
    )
    a, b = lines(fig)
    assert (a.name, a.type, a.mode) == ("Claimant a", "scatter", "lines+markers")
    assert list(a.y) == [10, 30] and list(a.customdata) == ["f1", "f0"]
    assert list(b.marker.symbol) == ["diamond"] and list(a.marker.symbol) == ["circle", "circle"]
    assert fig.layout.meta["chart"] == "timeline" and "timeline" in CHARTS
    assert sorted(fig.layout.meta["fact_ids"]) == ["f0", "f1", "f2"]
    assert fig.layout.yaxis.title.text == "people" and fig.layout.yaxis.type == "linear"
    assert fig.layout.xaxis.type == "date" and fig.layout.title.text == "Soldiers killed"


def test_intervals_are_error_bars_and_about_is_hollow():
    fig = timeline_figure(
        facts(
            {"value": 100, "qualifier": "approximately", "as_of": "2024-01-01"},
            {"low": 150, "high": 250, "as_of": "2024-02-01"},
            {"value": 300, "as_of": "2024-03-01"},
        )
    )
    (line,) = lines(fig)
    assert list(line.marker.symbol) == ["circle-open", "circle", "circle"]
    assert line.error_y.visible
    assert np.allclose(line.error_y.array, [10, 50, 0]) and np.allclose(line.error_y.arrayminus, [10, 50, 0])


def test_open_ended_figures_get_arrows():
    fig = timeline_figure(
        facts(
            {"value": 100, "as_of": "2024-01-01"},
            {"low": 200, "qualifier": "at_least", "as_of": "2024-02-01"},
            {"high": 300, "qualifier": "at_most", "as_of": "2024-03-01"},
        )
    )
    (line,) = lines(fig)
    assert list(line.error_y.array) == [0, 0, 0]  # no error bar to infinity
    (arrows,) = overlays(fig)
    assert list(arrows.marker.symbol) == ["triangle-up", "triangle-down"]
    assert arrows.y[0] > 200 and arrows.y[1] < 300
    assert arrows.error_y.arrayminus[0] == pytest.approx(arrows.y[0] - 200)
    assert arrows.error_y.array[1] == pytest.approx(300 - arrows.y[1])
    assert arrows.showlegend is False and arrows.legendgroup == line.legendgroup
    assert {"lower bound: “or more”", "upper bound: “or less”"} <= {t.name for t in fig.data}


def test_events_are_vertical_lines_with_escaped_labels():
    fig = timeline_figure(
        facts({"value": 1, "as_of": "2024-01-01"}, {"value": 2, "as_of": "2024-12-01"}),
        events(
            {"date": pd.Timestamp("2024-06-01"), "label": HOSTILE},
            {"date": pd.Timestamp("2024-06-01"), "label": "Second event", "note": "A note"},
            {"date": pd.Timestamp("2020-01-01"), "label": "Long before"},
            {"date": pd.Timestamp("2023-12-10"), "label": "Weeks before"},
            {"date": pd.NaT, "label": "Undated"},
        ),
    )
    before, shape = fig.layout.shapes
    assert pd.Timestamp(before.x0) == pd.Timestamp("2023-12-10")  # within a month of the first figure
    assert (pd.Timestamp(shape.x0), shape.yref, shape.y0, shape.y1) == (pd.Timestamp("2024-06-01"), "paper", 0, 1)
    _, label = [a for a in fig.layout.annotations if a.name == "event"]
    assert label.text == "&lt;script&gt;alert(1)&lt;/script&gt; (+1 more)"
    assert "Second event" in label.hovertext and "A note" in label.hovertext
    assert fig.layout.meta["event_ids"] == ["e3", "e0", "e1"]  # in date order
    assert "<script" not in json.dumps(fig.to_plotly_json(), default=str)


def test_a_month_event_is_a_band_over_its_month_and_close_events_share_a_label():
    fig = timeline_figure(
        facts({"value": 1, "as_of": "2022-03-01"}, {"value": 2, "as_of": "2025-06-01"}),
        events(
            {"date": pd.Timestamp("2025-01-01"), "date_text": "2025-01", "label": "Offensive in Kursk"},
            {"date": pd.Timestamp("2025-01-09"), "date_text": "2025-01-09", "label": "Ramstein meeting"},
            {"date": pd.Timestamp("2023-06-01"), "date_text": "2023-06-01", "label": "Far apart"},
        ),
    )
    band = next(s for s in fig.layout.shapes if s.type == "rect")
    assert (pd.Timestamp(band.x0), pd.Timestamp(band.x1)) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"))
    assert [pd.Timestamp(s.x0) for s in fig.layout.shapes if s.type == "line"] == [
        pd.Timestamp("2023-06-01"),
        pd.Timestamp("2025-01-09"),
    ]
    labels = [a for a in fig.layout.annotations if a.name == "event"]
    # Eight days apart on a three-year axis: one label, both in its hover, the month as a month.
    assert [a.text for a in labels] == ["Far apart", "Offensive in Kursk (+1 more)"]
    assert "<b>January 2025</b>: Offensive in Kursk" in labels[1].hovertext
    assert "<b>9 January 2025</b>: Ramstein meeting" in labels[1].hovertext
    assert "1 January" not in labels[1].hovertext


def test_log_axis_leaves_out_zeros():
    fig = timeline_figure(
        facts(
            {"value": 0, "as_of": "2024-01-01"},
            {"value": 10, "as_of": "2024-02-01"},
            {"value": 1000, "as_of": "2024-03-01"},
        ),
        log=True,
    )
    assert fig.layout.yaxis.type == "log"
    (line,) = lines(fig)
    assert np.isnan(line.y[0]) and list(line.y[1:]) == [10, 1000]
    assert fig.layout.meta["hidden_on_log"] == 1
    assert any("not shown on the log scale" in a.text for a in fig.layout.annotations)


def test_several_metrics_of_one_category_get_a_line_each():
    fig = timeline_figure(
        facts(
            {"value": 1, "metric": "ru", "metric_label": "Russian"},
            {"value": 2, "metric": "ua", "metric_label": "Ukrainian"},
        )
    )
    ru, ua = [t for t in lines(fig) if t.legendgroup != "measures"]
    # One legend entry per claimant; the measure is told by the dash, and a key names each dash.
    assert (ru.name, ua.name) == ("Claimant us", "Claimant us") and (ru.showlegend, ua.showlegend) == (True, False)
    assert ru.line.dash != ua.line.dash and ru.line.color == ua.line.color
    key = {t.name: t.line.dash for t in fig.data if t.legendgroup == "measures"}
    assert key == {"Russian": ru.line.dash, "Ukrainian": ua.line.dash}


@pytest.mark.parametrize(
    "rows, words",
    [
        (({"value": 1}, {"value": 2, "unit": "USD"}), r"mixes units \(USD, people\)"),
        (
            (
                {"value": 1, "category": "deaths", "metric": "ru-deaths"},
                {"value": 2, "category": "casualties", "metric": "ru-casualties"},
            ),
            r"mixes categories \(casualties: ru-casualties; deaths: ru-deaths\).*timeline_panels",
        ),
    ],
)
def test_refuses_to_mix_units_or_categories(rows, words):
    with pytest.raises(ValueError, match=words):
        timeline_figure(facts(*rows))


def test_bad_budget_is_named():
    with pytest.raises(ValueError, match="max_points must be an integer"):
        timeline_figure(facts({"value": 1}), max_points=0)
    with pytest.raises(ValueError, match="keep must be a collection"):
        timeline_figure(facts({"value": 1}), keep="f0")


def test_long_series_are_thinned_to_a_line_marked_where_it_matters():
    values = list(np.linspace(0, 10_000, 5000))
    values[2500] = 50_000  # a spike
    rows = series("gs", values)
    rows[1234]["qualifier"] = "approximately"
    rows += series("other", [1, 2, 3], start="2023-01-01")
    frame = facts(*rows)
    fig = timeline_figure(frame, max_points=500, keep=["gs-4000"])
    gs, other = lines(fig)
    assert (gs.type, other.type) == ("scatter", "scatter")  # SVG: WebGL in a software-rendered browser costs more
    assert (gs.mode, other.mode) == ("lines", "lines+markers")
    kept = set(gs.customdata)
    [marks] = marked(fig)  # a marker only at the ends, the "about" figure and the fact to keep
    assert list(marks.customdata) == ["gs-0", "gs-1234", "gs-4000", "gs-4999"]
    assert list(marks.marker.symbol) == symbols(frame.iloc[[0, 1234, 4000, 4999]])
    assert marks.legendgroup == gs.legendgroup and not marks.showlegend
    assert marks.error_y.visible and list(marks.error_y.array)[1] > 0  # the ±10% of "about" is drawn
    assert [h.split("<br>")[0] for h in marks.hovertext] == [
        gs.hovertext[list(gs.customdata).index(i)].split("<br>")[0] for i in marks.customdata
    ]
    assert {"gs-0", "gs-4999", "gs-1234", "gs-4000", "gs-2500"} <= kept
    assert 400 <= len(kept) <= 510
    assert fig.layout.meta["downsampled"] == {"gs": [len(kept), 5000]}
    assert len(fig.layout.meta["fact_ids"]) == len(kept) + 3


def test_downsample_keeps_the_ends_even_when_they_are_not_extremes():
    values = [5, 0, 10] * 1000  # every bucket's low and high lie elsewhere than its first point
    values[-1] = 5
    kept = downsample(facts(*series("gs", values)), 300)["fact_id"].tolist()
    assert kept[0] == "gs-0" and kept[-1] == "gs-2999" and len(kept) <= 300


def test_downsample_is_deterministic_and_leaves_short_series_alone():
    frame = facts(*series("gs", list(np.sin(np.arange(3000) / 50) + 2)))
    once, twice = downsample(frame, 300), downsample(frame, 300)
    assert once["fact_id"].tolist() == twice["fact_id"].tolist() and len(once) <= 300
    assert downsample(frame, 5000) is frame


def test_panels_put_deaths_and_casualties_on_separate_axes():
    deaths = facts({"value": 10, "claimant": "a"}, {"value": 20, "claimant": "b", "as_of": "2025-02-01"})
    casualties = facts(
        {
            "value": 40,
            "claimant": "a",
            "category": "casualties",
            "metric": "hurt",
            "metric_label": "Killed and wounded",
            "fact_id": "c0",
        }
    )
    fig = timeline_panels(
        {"deaths": deaths, "casualties": casualties},
        events({"date": pd.Timestamp("2025-01-20"), "label": "Offensive"}),
        log=True,
    )
    assert {t.yaxis for t in lines(fig)} == {"y", "y2"}
    assert fig.layout.yaxis.type == fig.layout.yaxis2.type == "log"
    assert fig.layout.yaxis.title.text == fig.layout.yaxis2.title.text == "people"
    assert [t.name for t in lines(fig) if t.showlegend] == ["Claimant a", "Claimant b"]  # a's legend once
    titles = [a.text for a in fig.layout.annotations]
    assert "Soldiers killed" in titles and "Killed and wounded" in titles
    assert fig.layout.meta["panels"] == ["deaths", "casualties"] and len(fig.layout.meta["fact_ids"]) == 3
    assert len(fig.layout.shapes) == 1


def test_panels_check_each_frame():
    with pytest.raises(ValueError, match="non-empty dict"):
        timeline_panels({})
    with pytest.raises(ValueError, match="panel 'x'.*mixes units"):
        timeline_panels({"x": facts({"value": 1}, {"value": 1, "unit": "USD"})})


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


def test_russian_casualties_from_the_fact_base(base):
    frame = base.facts[base.facts["metric"] == "soldier-casualties-russia"]
    fig = timeline_figure(frame, base.events, colors=claimant_colors(base.facts["claimant"]))
    assert len(lines(fig)) == frame["claimant"].nunique()
    assert sorted(fig.layout.meta["fact_ids"]) == sorted(frame["fact_id"])
    open_ended = frame[frame["qualifier"].isin(["at_least", "more_than"])]
    assert sum(len(t.x) for t in overlays(fig)) == len(open_ended) > 0
    uk = next(t for t in lines(fig) if t.name == "UK Ministry of Defence")
    assert len(uk.x) == (frame["claimant"] == "uk-mod").sum() and list(uk.x) == sorted(uk.x)
    with pytest.raises(ValueError, match="mixes categories"):
        timeline_figure(base.facts[base.facts["metric"].isin(["soldier-casualties-russia", "soldier-deaths-russia"])])


def test_a_timeline_of_one_day_spans_months_and_one_figure_is_read_from_zero():
    """Left to itself, Plotly zooms a one-day timeline to a millisecond ("23:59:59.999") and a lone
    figure to a billionth of it ("$131.360000001B"): a day is drawn with months around it, a level
    from zero; a timeline of several days, or a figure with an interval, keeps Plotly's own range."""
    fig = timeline_figure(facts({"claimant": "a", "value": 131.36e9, "as_of": "2024-11-14", "unit": "USD"}))
    low, high = (pd.Timestamp(end) for end in fig.layout.xaxis.range)
    assert (low, high) == (pd.Timestamp("2024-09-30"), pd.Timestamp("2024-12-29"))
    assert fig.layout.yaxis.rangemode == "tozero"
    several = facts(
        {"claimant": "a", "value": 10, "as_of": "2024-01-01"},
        {"claimant": "b", "value": 10, "qualifier": "approximately", "as_of": "2024-01-01"},
    )
    fig = timeline_figure(several)
    assert fig.layout.xaxis.range is not None and fig.layout.yaxis.rangemode is None  # an interval: its own
    fig = timeline_figure(facts({"value": 10, "as_of": "2024-01-01"}, {"value": 20, "as_of": "2024-03-01"}))
    assert fig.layout.xaxis.range is None and fig.layout.yaxis.rangemode is None
    panels = timeline_panels({"one": facts({"value": 5, "as_of": "2025-01"})})
    assert panels.layout.xaxis.range is not None and panels.layout.yaxis.rangemode == "tozero"
