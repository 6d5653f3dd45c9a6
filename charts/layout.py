"""The layout every chart shares: escaped title, meta for the exporter, transparent theme-neutral styling,
the value axis's title and tick prefix, legend entries cut to length."""

from __future__ import annotations

import math
from collections.abc import Iterable

import plotly.graph_objects as go

from charts.palette import GRID
from charts.provenance import escape
from dashboard.factbase.wording import currency_sign, present

BOTTOM_MARGIN = 70  # room for the axis title; provenance.add_caption grows it (and the height) for a caption


def finish(
    fig: go.Figure,
    *,
    chart: str,
    fact_ids: Iterable[str],
    title: str | None,
    legend_title: str = "",
    hovermode: str = "closest",
    top: int = 70,
    **meta: object,
) -> go.Figure:
    """Apply the shared layout and `layout.meta` = {"chart", "fact_ids", **meta}; returns `fig`.

    Font colours are left to the template, so that Streamlit's theme colours text for light and
    dark pages; backgrounds are transparent and grid lines a translucent grey that reads on both.
    """
    fig.update_layout(
        title={"text": escape(title), "x": 0, "xanchor": "left"},
        meta={"chart": chart, "fact_ids": [str(f) for f in fact_ids], **meta},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode=hovermode,
        hoverlabel={"align": "left"},
        legend={"title": {"text": escape(legend_title)}, "tracegroupgap": 12},
        margin={"l": 10, "r": 20, "t": top, "b": BOTTOM_MARGIN},
    )
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    return fig


def axis_title(unit: object) -> str:
    """The value axis title: the unit as written ("people", "USD")."""
    return str(unit) if present(unit) else ""


def tick_prefix(unit: object) -> str:
    """The sign before each tick of a money axis ("$"), as the figures on the chart write it."""
    return currency_sign(unit)


_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def log_ticks(low: float, high: float) -> list[float]:
    """The powers of ten from the one at or below `low` to the one at or above `high`.

    Plotly's own log ticks add 2 and 5 between decades ("10k, 5, 2, 1000"), which readers took for
    separate figures (issue 19); a tick at each power of ten alone reads as a scale.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high <= 0:
        return [1.0, 10.0]
    low, high = min(low, high), max(low, high)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [10.0**p for p in range(first, max(last, first + 1) + 1)]


def log_tick_label(value: float, unit: object = None) -> str:
    """A log tick as a reader writes it: 1, 10, 100, 1k, 10k, 100k, 1M; money with its sign ("$1M")."""
    sign = tick_prefix(unit)
    for size, suffix in _SUFFIXES:
        if value >= size:
            return f"{sign}{value / size:g}{suffix}"
    return f"{sign}{value:g}"


def value_axis(unit: object, *, log: bool, span: tuple[float, float] | None = None) -> dict:
    """Keyword arguments for `update_xaxes`/`update_yaxes` of a value axis: its title, its type and,
    on a log axis, a tick at each power of ten across `span` labelled by `log_tick_label`
    (the sign is in the label there, so no tick prefix is added twice)."""
    axis: dict = {"title": {"text": escape(axis_title(unit))}, "type": "log" if log else "linear"}
    if not log:
        axis["tickprefix"] = tick_prefix(unit)
        return axis
    ticks = log_ticks(*(span or (1.0, 10.0)))
    axis.update(tickmode="array", tickvals=ticks, ticktext=[log_tick_label(t, unit) for t in ticks], tickprefix="")
    return axis


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (legend entries; hover text keeps the whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
