"""Claimants' figures over time: one line per claimant, intervals as error bars, events as vertical markers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.arguments import distinct, require_frame
from charts.layout import TITLE_WRAP, claimant_label, finish, shorten, unit_of, value_axis
from charts.marks import DASHES, add_measure_keys, key_traces, series_traces, value_span
from charts.palette import NEUTRAL, Look, chart_looks, check_colors
from charts.provenance import escape, wrap
from dashboard.factbase.wording import format_date, format_written_date, precision_of, present

COLUMNS = (
    "fact_id",
    "metric",
    "unit",
    "category",
    "claimant",
    "claimant_name",
    "party_to_conflict",
    "as_of",
    "value",
    "low",
    "high",
    "central",
    "qualifier",
    "interval_low",
    "interval_high",
)
EVENT_COLUMNS = ("date", "label")
EVENT_LABEL = 40
# Events this close to the first or last figure still explain the series (as dashboard.timelines).
EVENT_PADDING = pd.Timedelta(days=31)


def timeline_figure(
    series: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    log: bool = False,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
    max_points: int = 2000,
    keep: Iterable[str] = (),
) -> go.Figure:
    """Each claimant's facts become one line over as_of (one per claimant and metric when several
    metrics of one category are drawn), with error bars for ranges and the ±10% of "about", and
    arrows at open-ended figures; each event becomes a dotted vertical line with its label.

    A series of more than `max_points` points is thinned (see `downsample`), never dropping its first
    and last points, figures that are not exact, or facts in `keep`, and drawn as a plain line with
    markers at those points only (every point stays in the hover).
    Raises ValueError for a series mixing units or categories: draw those with timeline_panels.
    """
    frame = check_series(series, "timeline_figure")
    colors = check_colors(colors, "timeline_figure")
    keep = _check_budget(max_points, keep, "timeline_figure")
    fig = go.Figure()
    looks = chart_looks(frame["claimant"], colors)
    drawn = _add_series(fig, frame, row=None, log=log, looks=looks, max_points=max_points, keep=keep, legend=set())
    for trace in key_traces(frame):
        fig.add_trace(trace)
    event_ids = add_events(fig, events, frame["as_of"])
    unit = unit_of(frame)
    span = _span(frame, log)
    fig.update_yaxes(**value_axis(unit, log=log, span=span), **_level_axis(span, log))
    fig.update_xaxes(type="date", **_one_day_axis(frame["as_of"]))
    fig.update_layout(height=_height(fig, 500))
    _note_hidden(fig, drawn["hidden_on_log"])
    return finish(
        fig,
        chart="timeline",
        fact_ids=drawn["fact_ids"],
        title=_title(title, frame),
        legend_title="Claimant",
        top=80,
        event_ids=event_ids,
        unit=unit,
        downsampled=drawn["downsampled"],
        hidden_on_log=drawn["hidden_on_log"],
    )


def timeline_panels(
    series_by_metric: Mapping[str, pd.DataFrame],
    events: pd.DataFrame | None = None,
    *,
    log: bool = False,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
    max_points: int = 2000,
    keep: Iterable[str] = (),
) -> go.Figure:
    """Each frame of `series_by_metric` becomes one panel (stacked, sharing the time axis) drawn as
    timeline_figure draws it: deaths and casualties side by side, never on one axis."""
    if not isinstance(series_by_metric, Mapping) or not series_by_metric:
        raise ValueError(
            "timeline_panels expects a non-empty dict of panel name -> facts frame, "
            f"got {type(series_by_metric).__name__}"
            f"{' (empty)' if isinstance(series_by_metric, Mapping) else ''}"
        )
    frames = {str(k): check_series(v, f"timeline_panels (panel {k!r})") for k, v in series_by_metric.items()}
    colors = check_colors(colors, "timeline_panels")
    keep = _check_budget(max_points, keep, "timeline_panels")
    names = [_title(None, f) if f["metric"].nunique() == 1 else k for k, f in frames.items()]
    fig = make_subplots(
        rows=len(frames),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12 / len(frames) + 0.04,
        subplot_titles=[wrap(n, TITLE_WRAP) for n in names],  # Plotly does not wrap: cut on a phone
    )
    legend: set[str] = set()
    looks = chart_looks(pd.concat([f["claimant"] for f in frames.values()]), colors)
    fact_ids: list[str] = []
    downsampled: dict[str, list[int]] = {}
    hidden = 0
    for row, frame in enumerate(frames.values(), start=1):
        drawn = _add_series(fig, frame, row=row, log=log, looks=looks, max_points=max_points, keep=keep, legend=legend)
        fact_ids += drawn["fact_ids"]
        downsampled.update(drawn["downsampled"])
        hidden += drawn["hidden_on_log"]
        unit = unit_of(frame)
        span = _span(frame, log)
        fig.update_yaxes(**value_axis(unit, log=log, span=span), **_level_axis(span, log), row=row, col=1)
    everything = pd.concat(frames.values(), ignore_index=True)
    for trace in key_traces(everything):
        fig.add_trace(trace, row=1, col=1)
    event_ids = add_events(fig, events, everything["as_of"])
    fig.update_xaxes(type="date", **_one_day_axis(everything["as_of"]))
    fig.update_layout(height=_height(fig, 120 + 300 * len(frames)))
    _note_hidden(fig, hidden)
    return finish(
        fig,
        chart="timeline",
        fact_ids=fact_ids,
        title=title,
        legend_title="Claimant",
        top=90,
        panels=list(frames),
        event_ids=event_ids,
        downsampled=downsampled,
        hidden_on_log=hidden,
    )


def check_series(series: pd.DataFrame, who: str) -> pd.DataFrame:
    """The series, once it holds one unit and one category and every fact has an as_of date."""
    frame = require_frame(series, COLUMNS, who)
    units = distinct(frame, "unit")
    if len(units) > 1:
        raise ValueError(
            f"{who}: the series mixes units ({', '.join(units)}); one value axis shows one unit. "
            "Split the frame by unit and draw each with timeline_panels."
        )
    categories = distinct(frame, "category")
    if len(categories) > 1:
        metrics = "; ".join(f"{c}: {', '.join(distinct(frame[frame['category'] == c], 'metric'))}" for c in categories)
        raise ValueError(
            f"{who}: the series mixes categories ({metrics}); figures of different categories, "
            "such as deaths and casualties, never share an axis. Split the frame by category and "
            "draw them as separate panels with timeline_panels."
        )
    undated = frame.loc[frame["as_of"].isna(), "fact_id"].tolist()
    if undated:
        raise ValueError(f"{who}: facts without an as_of date cannot be placed in time: {', '.join(map(str, undated))}")
    return frame


def downsample(points: pd.DataFrame, max_points: int, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Thin one sorted series to about `max_points` rows, deterministically.

    Kept always: the first and last point, every figure that is not exact or has a range, and
    every fact in `keep`; the rest of the budget goes to the lowest and highest point of each of
    equal-sized buckets, so peaks and dips survive.
    """
    n = len(points)
    if n <= max_points:
        return points
    chosen = notable(points, keep)
    buckets = (max_points - int(chosen.sum())) // 2
    if buckets > 0:
        y = points["central"].to_numpy(dtype="float64")
        lows, highs = np.where(np.isnan(y), np.inf, y), np.where(np.isnan(y), -np.inf, y)
        edges = np.linspace(0, n, buckets + 1).astype(int)
        for start, end in zip(edges[:-1], edges[1:], strict=True):
            if end > start:
                chosen[start + int(np.argmin(lows[start:end]))] = True
                chosen[start + int(np.argmax(highs[start:end]))] = True
    return points[chosen]


def notable(points: pd.DataFrame, keep: Iterable[str] = ()) -> np.ndarray:
    """Per point of one sorted series: is it the first or last, not exact, a range, or in `keep`?
    Thinning never drops these, and a thinned series marks only these."""
    chosen = np.zeros(len(points), dtype=bool)
    if len(points):
        chosen[[0, -1]] = True
    chosen |= (points["qualifier"] != "exact").to_numpy(dtype=bool)
    chosen |= (points["low"].notna() | points["high"].notna()).to_numpy(dtype=bool)
    chosen |= points["fact_id"].isin(set(keep)).to_numpy(dtype=bool)
    return chosen


def add_events(fig: go.Figure, events: pd.DataFrame | None, dates: pd.Series) -> list[str]:
    """Draw each event dated within the span of `dates` (give or take a month): a dotted vertical
    line on its day, or a faint band over its month or year when the event gives no day (a month
    is never drawn as its 1st), with a label at the top. Events too close for their labels to sit
    apart share one label ("… (+2 more)"); the hover lists every one with its date as written.
    Returns the ids of the events drawn."""
    if events is None:
        return []
    require_frame(events, EVENT_COLUMNS, "events for a timeline", empty_ok=True)
    start, end = dates.min() - EVENT_PADDING, dates.max() + EVENT_PADDING
    shown = events[events["date"].notna() & (events["date"] >= start) & (events["date"] <= end)]
    shown = shown.sort_values("date", kind="stable")
    for cluster in _clusters(shown, start, end):
        labels = [str(label) for label in cluster["label"] if present(label)] or ["event"]
        text = shorten(labels[0], EVENT_LABEL) + (f" (+{len(labels) - 1} more)" if len(labels) > 1 else "")
        notes = cluster["note"] if "note" in cluster else pd.Series(None, index=cluster.index)
        written = cluster["date_text"] if "date_text" in cluster else pd.Series(None, index=cluster.index)
        hover = "<br>".join(
            f"<b>{escape(_event_date(date, text_date))}</b>: {wrap(label)}"
            + (f"<br>{wrap(note)}" if present(note) else "")
            for date, text_date, label, note in zip(cluster["date"], written, cluster["label"], notes, strict=True)
        )
        for first, last in dict.fromkeys(_event_span(d, w) for d, w in zip(cluster["date"], written, strict=True)):
            # A day is a dotted line; a month or a year a faint band over all of it.
            look = (
                {"line": {"color": NEUTRAL, "width": 1, "dash": "dot"}}
                if first == last
                else {"line": {"width": 0}, "fillcolor": NEUTRAL, "opacity": 0.12}
            )
            fig.add_shape(
                type="line" if first == last else "rect",
                xref="x",
                yref="paper",
                x0=first,
                x1=last,
                y0=0,
                y1=1,
                layer="below",
                **look,
            )
        fig.add_annotation(
            x=cluster["date"].iloc[0],
            y=1,
            xref="x",
            yref="paper",
            text=escape(text),
            textangle=-90,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 10},
            hovertext=hover,
            name="event",
        )
    ids = shown["event_id"] if "event_id" in shown else pd.Series(dtype=object)
    return [str(i) for i in ids if present(i)]


# An event's label is drawn upright along its line, about 14 px wide at size 10; on a plot of 500 px
# (an exported image is 1000 px wide, a phone's plot about 330) labels closer than that share one.
EVENT_LABEL_PX, EVENT_PLOT_PX = 14, 500


def _clusters(shown: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[pd.DataFrame]:
    """Events in date order, grouped where each is within a label's width of the group's first."""
    if shown.empty:
        return []
    near = (end - start) * (EVENT_LABEL_PX / EVENT_PLOT_PX)
    groups, first = [], None
    for date in shown["date"]:
        if first is None or date - first >= near:
            first = date
            groups.append(0)
        groups[-1] += 1
    bounds = np.cumsum([0, *groups])
    return [shown.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _event_span(date: pd.Timestamp, written: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days an event's date covers: its day, or its whole month or year as written."""
    precision = precision_of(written)
    if precision == "month":
        return date, date + pd.offsets.MonthBegin(1)
    if precision == "year":
        return date, date + pd.offsets.YearBegin(1)
    return date, date


def _event_date(date: pd.Timestamp, written: object) -> str:
    return format_written_date(written) if present(written) else format_date(date)


def _add_series(
    fig: go.Figure,
    frame: pd.DataFrame,
    *,
    row: int | None,
    log: bool,
    looks: Mapping[str, Look],
    max_points: int,
    keep: set[str],
    legend: set[str],
) -> dict:
    """Add one line (and its arrows) per claimant, or per claimant and metric, to `fig`."""
    metrics = distinct(frame, "metric")
    several = len(metrics) > 1
    span = value_span(frame["central"], log)
    ordered = frame.sort_values(["as_of", "fact_id"], kind="stable")
    fact_ids: list[str] = []
    downsampled: dict[str, list[int]] = {}
    hidden = 0
    dashes: dict[str, str] = {}
    for key, points in ordered.groupby(["claimant", "metric"] if several else ["claimant"], sort=True, dropna=False):
        claimant, look = str(key[0]), looks[str(key[0])]
        # Several measures: one legend entry per claimant (a click hides all its lines), the measure
        # told by the dash, which a key of measures explains; never "claimant — measure" cut short.
        series = claimant if not several else f"{claimant}/{key[1]}"
        dense = len(points) > max_points
        if dense:
            downsampled[series] = [0, len(points)]
            points = downsample(points, max_points, keep)
            downsampled[series][0] = len(points)
        if several:
            label = points["metric_label"].iloc[0] if "metric_label" in points else None
            dashes[str(label) if present(label) else str(key[1])] = DASHES[metrics.index(str(key[1])) % len(DASHES)]
        traces = series_traces(
            points,
            name=escape(claimant_label(points.iloc[0])),
            color=look.color,
            variant=look.variant,
            group=claimant,
            showlegend=claimant not in legend,
            log=log,
            span=span,
            marked=notable(points, keep) if len(points) > MARKERS_AT_MOST else None,
            dash=dashes[next(reversed(dashes))] if several else look.dash,
        )
        legend.add(claimant)
        for trace in traces:
            fig.add_trace(trace, row=row, col=1 if row else None)
        fact_ids += points["fact_id"].astype(str).tolist()
        if log:
            hidden += int((points["central"] <= 0).sum())
    add_measure_keys(fig, dashes)
    return {"fact_ids": fact_ids, "downsampled": downsampled, "hidden_on_log": hidden}


def _check_budget(max_points: object, keep: Iterable[str], who: str) -> set[str]:
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 10:
        raise ValueError(f"{who}: max_points must be an integer of at least 10, got {max_points!r}")
    if isinstance(keep, str):
        raise ValueError(f"{who}: keep must be a collection of fact ids, got the string {keep!r}")
    return {str(k) for k in keep}


def _title(title: str | None, frame: pd.DataFrame) -> str:
    if title is not None:
        return title
    labels = distinct(frame, "metric_label") if "metric_label" in frame else []
    return " / ".join(labels) if labels else " / ".join(distinct(frame, "metric"))


def _height(fig: go.Figure, least: int) -> int:
    """The plot's height with its margins: the legend is in rows over the plot, and layout.finish adds
    the room it takes there (legend_height), so that no number of entries squeezes the plot."""
    return least


def _note_hidden(fig: go.Figure, hidden: int) -> None:
    if hidden:
        fig.add_annotation(
            text=f"{hidden} zero value{'s' if hidden > 1 else ''} not shown on the log scale",
            xref="paper",
            yref="paper",
            x=1,
            y=0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 10},
        )


# A series of more points than this is drawn as a line with markers at its notable points only (its
# ends, figures that are not exact, ranges, `keep`; every point stays in the hover): at 1,000 px, 300
# markers of 8 px overlap into one band, and each is an SVG shape Chromium draws (a fifth of Export
# everything's drawing, and of a phone's). Thinning a series (max_points) is a separate, larger budget.
MARKERS_AT_MOST = 150


# A timeline of one day is drawn over this much time either side of it: left to itself, Plotly zooms
# its axis to a millisecond and ticks at times of day ("23:59:59.999"), a precision no date here has
# (and drawing those ticks took 0.6 s of Chromium per chart). Wider than EVENT_PADDING, so that the
# events drawn around that day, a month's band included, stay in view.
ONE_DAY_PADDING = pd.Timedelta(days=45)


def _one_day_axis(dates: pd.Series) -> dict:
    """Keyword arguments for the time axis: a range of months around the day when every figure is of
    one day; none otherwise."""
    given = dates.dropna()
    if given.empty or given.max() - given.min() >= pd.Timedelta(days=1):
        return {}
    day = given.min().normalize()
    return {"range": [day - ONE_DAY_PADDING, day + ONE_DAY_PADDING]}


def _level_axis(span: tuple[float, float], log: bool) -> dict:
    """Keyword arguments for a value axis whose figures (with their intervals) are all one number: from
    zero up, as an amount is read, not a range of a billionth around it ("$131.360000001B")."""
    low, high = span
    return {"rangemode": "tozero"} if not log and low == high else {}


def _span(frame: pd.DataFrame, log: bool) -> tuple[float, float]:
    """The values a series' axis must reach, for the ticks of a log axis."""
    columns = [c for c in ("central", "value", "low", "high", "interval_low", "interval_high") if c in frame]
    values = pd.concat([frame[c] for c in columns]) if columns else pd.Series(dtype="float64")
    return value_span(pd.to_numeric(values, errors="coerce"), log=log)
