"""Marks shared by the charts: point symbols, a series with its intervals, open-ended arrows, legend keys."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.palette import NEUTRAL, marker_symbol
from charts.provenance import hover_texts, wrap
from dashboard.factbase.wording import LOWER_BOUNDS, UPPER_BOUNDS

KEY_GROUP = "key"
# Keyword arguments that make a trace without Plotly's validators: the figure the trace is added to
# checks and copies it anyway (add_trace), so validating it here too was done twice; half the time
# of drawing a chart's traces. A trace made with them must be added to a figure before it is used.
UNCHECKED: dict = {"_validate": False}
# Whether series carry hover texts (on by default: the page and HTML exports show them). A static
# image cannot show them, and writing them was a fifth of drawing a timeline: `without_hover`.
HOVER: contextvars.ContextVar[bool] = contextvars.ContextVar("factdash_hover", default=True)


@contextlib.contextmanager
def without_hover() -> Iterator[None]:
    """Series drawn inside have empty hover texts (for static images only; this thread or task)."""
    token = HOVER.set(False)
    try:
        yield
    finally:
        HOVER.reset(token)


DASHES = ("solid", "dash", "dot", "dashdot", "longdash")  # one per measure, when a chart draws several
MEASURES = "measures"  # the legend group of the key to those dashes
MEASURE_WRAP = 34  # characters per line of a measure's name in that key (a legend entry may wrap)


def parties(frame: pd.DataFrame) -> np.ndarray:
    """party_to_conflict as plain booleans (unknown counts as not a party)."""
    return (
        frame["party_to_conflict"]
        .astype(object)
        .where(frame["party_to_conflict"].notna(), False)
        .astype(bool)
        .to_numpy()
    )


def symbols(frame: pd.DataFrame) -> list[str]:
    """Marker symbol per fact: diamond (party) or circle (third party), hollow when "about"."""
    about = (frame["qualifier"] == "approximately").to_numpy()
    return [marker_symbol(bool(p), bool(a)) for p, a in zip(parties(frame), about, strict=True)]


def bounds(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(open upwards, open downwards) per fact: "at least"/"more than" and "at most"/"less than"."""
    qualifier = frame["qualifier"]
    return qualifier.isin(LOWER_BOUNDS).to_numpy(), qualifier.isin(UPPER_BOUNDS).to_numpy()


def value_span(values: pd.Series | np.ndarray, log: bool) -> tuple[float, float]:
    """(lowest, highest) finite value worth drawing (positive only on a log axis); (1, 10) when none."""
    array = np.asarray(values, dtype="float64")
    array = array[np.isfinite(array) & ((array > 0) if log else np.ones_like(array, dtype=bool))]
    if not len(array):
        return 1.0, 10.0
    return float(array.min()), float(array.max())


def arrow_tips(y: np.ndarray, up: np.ndarray, span: tuple[float, float], log: bool) -> np.ndarray:
    """Where the arrow of an open-ended point ends: a short fixed step above (or below) it on screen."""
    low, high = span
    if log:
        factor = 10 ** (0.06 * max(np.log10(high / low), 1.0))
        return np.where(up, y * factor, y / factor)
    step = 0.06 * ((high - low) or high or 1.0)
    return np.where(up, y + step, np.maximum(y - step, 0.0))


def series_traces(
    points: pd.DataFrame,
    *,
    name: str,
    color: str,
    group: str,
    showlegend: bool,
    log: bool,
    span: tuple[float, float],
    marked: np.ndarray | None = None,
    line_shape: str = "linear",
    dash: str = "solid",
    mode: str = "lines+markers",
    variant: str = "",
) -> list[go.Scatter]:
    """One series' points (sorted by as_of) become a line whose markers carry error bars for their
    intervals (ranges and the ±10% of "about"), plus an overlay of arrows for open-ended points.

    With `marked` (a boolean per point), only those points get a marker and their error bars: a dense
    daily series is drawn as a plain line with every point still in its hover. A marker per point of
    a 600-point series is 600 SVG shapes to redraw on each rerun, and on a reader's browser that was
    half the cost of a filter change (0.86 → 0.42 CPU-seconds per change in Chromium, measured).
    `variant` is added to every marker symbol: "-dot" for a claimant repeating a colour (Look).
    """
    y = points["central"].to_numpy(dtype="float64").copy()
    if log:
        y[y <= 0] = np.nan  # zeros have no place on a log axis; they leave a gap, counted in meta
    up, down = bounds(points)
    high = points["interval_high"].to_numpy(dtype="float64")
    low = points["interval_low"].to_numpy(dtype="float64")
    plus = np.where(up | ~np.isfinite(high), 0.0, np.clip(high - y, 0, None))
    minus = np.where(down | (log & (low <= 0)), 0.0, np.clip(y - low, 0, None))
    plus, minus = np.nan_to_num(plus), np.nan_to_num(minus)
    x = points["as_of"].to_numpy()
    hover = hover_texts(points) if HOVER.get() else [""] * len(points)
    ids = points["fact_id"].astype(str).to_numpy()
    marker = {
        "symbol": [s + variant for s in symbols(points)],
        "color": color,
        "size": 8,
        "line": {"color": color, "width": 1.5},
    }
    error_y = {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": color,
        "thickness": 1.2,
        "width": 3,
        "visible": bool((plus > 0).any() or (minus > 0).any()),
    }
    line = {"color": color, "dash": dash, "shape": line_shape, "width": 1.5}
    if marked is None:
        traces = [
            go.Scatter(
                **UNCHECKED,
                x=x,
                y=y,
                mode=mode,
                name=name,
                legendgroup=group,
                showlegend=showlegend,
                line=line,
                marker=marker,
                error_y=error_y,
                hovertext=hover,
                hoverinfo="text",
                customdata=ids,
                connectgaps=True,
            )
        ]
    else:
        marked = np.asarray(marked, dtype=bool)
        traces = [
            go.Scatter(
                **UNCHECKED,
                x=x,
                y=y,
                mode="lines",
                name=name,
                legendgroup=group,
                showlegend=showlegend,
                line=line,
                hovertext=hover,
                hoverinfo="text",
                customdata=ids,
                connectgaps=True,
            )
        ]
        if marked.any():
            at = np.flatnonzero(marked)
            traces.append(
                go.Scatter(
                    **UNCHECKED,
                    x=x[at],
                    y=y[at],
                    mode="markers",
                    name=f"{name} (marked points)",
                    legendgroup=group,
                    showlegend=False,
                    marker={**marker, "symbol": [marker["symbol"][i] for i in at]},
                    error_y={
                        **error_y,
                        "array": plus[at],
                        "arrayminus": minus[at],
                        "visible": bool((plus[at] > 0).any() or (minus[at] > 0).any()),
                    },
                    hovertext=[hover[i] for i in at],
                    hoverinfo="text",
                    customdata=ids[at],
                )
            )
    is_open = (up | down) & np.isfinite(y)
    if is_open.any():
        tips = arrow_tips(y[is_open], up[is_open], span, log)
        stick = np.abs(tips - y[is_open])
        traces.append(
            go.Scatter(
                **UNCHECKED,
                x=x[is_open],
                y=tips,
                mode="markers",
                name=f"{name} (open-ended)",
                legendgroup=group,
                showlegend=False,
                marker={
                    "symbol": np.where(up[is_open], "triangle-up", "triangle-down").tolist(),
                    "color": color,
                    "size": 9,
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": np.where(up[is_open], 0.0, stick),
                    "arrayminus": np.where(up[is_open], stick, 0.0),
                    "color": color,
                    "thickness": 1.5,
                    "width": 0,
                },
                hovertext=[h for h, o in zip(hover, is_open, strict=True) if o],
                hoverinfo="text",
                customdata=ids[is_open],
            )
        )
    return traces


def key_traces(frame: pd.DataFrame, *, open_ended: bool = True, title: str | None = "Marks") -> list[go.Scatter]:
    """Legend entries (no data) explaining the shapes used: party vs third party, "about", bounds."""
    party = parties(frame)
    up, down = bounds(frame)
    about = (frame["qualifier"] == "approximately").to_numpy()
    entries = [
        (party.any(), "party to the conflict", marker_symbol(True)),
        ((~party).any(), "not a party to the conflict", marker_symbol(False)),
        (about.any(), "about (hollow marker, ±10%)", marker_symbol(False, about=True)),
        (open_ended and up.any(), "lower bound: “or more”", "triangle-up"),
        (open_ended and down.any(), "upper bound: “or less”", "triangle-down"),
    ]
    traces: list[go.Scatter] = []
    for shown, label, symbol in entries:
        if shown:
            traces.append(
                go.Scatter(
                    **UNCHECKED,
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=label,
                    legendgroup=KEY_GROUP,
                    showlegend=True,
                    legendgrouptitle={"text": title} if title and not traces else None,
                    hoverinfo="skip",
                    marker={"symbol": symbol, "color": NEUTRAL, "size": 10, "line": {"color": NEUTRAL, "width": 1.5}},
                )
            )
    return traces


def add_measure_keys(fig: go.Figure, dashes: dict[str, str]) -> None:
    """Legend entries (no data) saying which measure each dash draws, the measure's name whole and
    wrapped ({label: dash}); a measure keyed already (another panel) is not keyed again."""
    keyed = {t.name for t in fig.data if t.legendgroup == MEASURES}
    for label, dash in dashes.items():
        name = wrap(label, MEASURE_WRAP)
        if name in keyed:
            continue
        fig.add_trace(
            go.Scatter(
                **UNCHECKED,
                x=[None],
                y=[None],
                mode="lines",
                name=name,
                legendgroup=MEASURES,
                legendgrouptitle={"text": "Measures"} if not keyed else None,
                showlegend=True,
                hoverinfo="skip",
                line={"color": NEUTRAL, "dash": dash, "width": 2},
            )
        )
        keyed.add(name)
