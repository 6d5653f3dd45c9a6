"""The layout every chart shares: escaped title, meta for the exporter, transparent theme-neutral styling,
the value axis's title and tick prefix, legend entries cut to length."""

from __future__ import annotations

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


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (legend entries; hover text keeps the whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
