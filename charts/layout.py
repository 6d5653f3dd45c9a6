"""The layout every chart shares: escaped title, meta for the exporter, transparent theme-neutral styling,
the value axis's title and tick prefix, legend entries cut to length."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Mapping

import plotly.graph_objects as go

from charts.palette import GRID
from charts.provenance import escape, wrap
from dashboard.factbase.schema import SHORT_NAME_LENGTH
from dashboard.factbase.wording import currency_sign, present, written_unit

BOTTOM_MARGIN = 70  # room for the axis title; provenance.add_caption grows it (and the height) for a caption

# On a phone (390 px wide, a 358 px chart) a legend beside the plot left it 64 px wide and Plotly's titles,
# which never wrap, ran off the chart (issue 19). The legend is drawn in rows between the title and the
# plot instead, and the figure made taller by what it takes there, so the plot keeps its height on any screen.
TITLE_WRAP = 40  # characters of a title line: a 358 px chart shows about 45 of Plotly's 17 px title
TITLE_LINE = 24  # px each further line of a title takes from the top margin
TITLE_TOP = 10  # px above the title
TITLE_ROOM = 34  # px of a one-line title and the gap under it, where the legend starts
SUBTITLE_WRAP = 50  # characters of a subtitle line (Plotly's subtitle is 12 px)
SUBTITLE_LINE = 20  # px of a subtitle line
LEGEND_WIDTH = 330  # px a phone's chart gives the legend's rows
LEGEND_ROW = 21  # px of one legend entry (12 px text, a 16 px marker)
LEGEND_LINE = 17  # px of each further line of an entry
LEGEND_CHAR = 7  # px of a character of a legend entry, rounded up
LEGEND_MARK = 46  # px of an entry's marker and the gap before its text
LEGEND_GAP = 6  # px between rows of legend groups
LEGEND_SIDES = 30  # px of a figure's width its legend's rows do not get (margins)
LEGEND_SLACK = 16  # px an image keeps under its legend: the estimate is of characters, not of glyphs
LEGEND_FIT = 48  # characters of a legend line that a phone's row shows whole (entries are wrapped)


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
    text = wrap(title, TITLE_WRAP)
    grown = TITLE_LINE * text.count("<br>")
    for trace in fig.data:  # an entry longer than a phone's row ran off the chart: broken in lines
        if trace.showlegend is not False and trace.name and len(str(trace.name)) > LEGEND_FIT:
            trace.name = "<br>".join(
                "<br>".join(textwrap.wrap(line, LEGEND_FIT) or [""]) for line in str(trace.name).split("<br>")
            )
    room = legend_height(fig, legend_title)
    height = (fig.layout.height or 450) + grown + room
    fig.update_layout(
        title={"text": text, "x": 0, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top"},
        # Plotly lifts a title anchored at its top by about half a line for each line after the first.
        title_pad={"t": TITLE_TOP + 13 * text.count("<br>")},
        meta={"chart": chart, "fact_ids": [str(f) for f in fact_ids], "legend_room": room, **meta},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode=hovermode,
        hoverlabel={"align": "left"},
        # Under the title, above whatever `top` leaves room for over the plot (a ratio, panel titles):
        # `room` px, as tall as the legend's rows on a phone. A legend beside the plot left it 64 px
        # wide there, and one under it would cover the sources caption drawn at a fixed offset under
        # the plot (provenance.add_caption): Plotly's legend cannot be placed relative to it.
        legend={
            "title": {"text": escape(legend_title), "side": "top"},
            "tracegroupgap": LEGEND_GAP,
            "orientation": "h",
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            # Its top fixed under the title (a fraction of the height: the footer that the exports and
            # the page add later grows the height, and moves a point low in the figure further down).
            # On a wide screen, where its rows hold more, the room it does not take is left under it;
            # a legend taller than its room pushes the plot down (Plotly reserves what it covers).
            "y": 1 - (TITLE_TOP + TITLE_ROOM + grown) / height,
            "yanchor": "top",
        },
        margin={"l": 10, "r": 20, "t": top + grown + room, "b": BOTTOM_MARGIN},
        height=height if fig.layout.height else None,
    )
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    return fig


def subtitle(fig: go.Figure, text: str) -> go.Figure:
    """`text` (plain, escaped here) under the title of a `finish`ed figure, wrapped as a phone can
    show it; the legend moves down and the top margin and height grow by its lines. Returns `fig`."""
    wrapped = wrap(text, SUBTITLE_WRAP)
    if not wrapped:
        return fig
    grown = SUBTITLE_LINE * (wrapped.count("<br>") + 1) + 6
    height = fig.layout.height
    legend_top = (1 - fig.layout.legend.y) * height + grown if height else None
    fig.update_layout(
        title_subtitle_text=wrapped,
        margin_t=(fig.layout.margin.t or 0) + grown,
        height=height + grown if height else None,
    )
    if height:
        fig.update_layout(legend_y=1 - legend_top / (height + grown))
    return fig


def legend_height(fig: go.Figure, title: str = "", width: int = LEGEND_WIDTH) -> int:
    """px the legend over the plot takes on a phone (`width` px for its rows): Plotly draws a group's
    entries as a column and sets the columns side by side while they fit, rows of columns one under
    the other. An estimate that errs tall: on a wide screen the rows hold more and the plot is taller."""
    if len(fig.data) == 1 and fig.layout.showlegend is not True:
        return 0
    traces = [(t.legendgroup, t.legendgrouptitle.text, t.name, t.showlegend) for t in fig.data]
    return _legend_height(traces, title, width)


def _legend_height(traces: list[tuple], title: str, width: int) -> int:
    """legend_height of (legendgroup, legendgrouptitle text, name, showlegend) per trace."""
    shown = [t for t in traces if t[3] is not False]
    if not shown:
        return 0
    groups: dict[str, list[tuple[int, int]]] = {}  # a group's entries (and title): (width, height)
    for i, (legendgroup, group_title, name, _) in enumerate(shown):
        group = groups.setdefault(str(legendgroup or f"~{i}"), [])
        if group_title:
            group.append(_entry(str(group_title), 0))
        group.append(_entry(str(name or ""), LEGEND_MARK))
    rows: list[int] = []
    used = tallest = 0
    for entries in groups.values():
        wide = max(w for w, _ in entries)
        if tallest and used + wide > width:
            rows.append(tallest)
            used = tallest = 0
        used += wide
        tallest = max(tallest, sum(h for _, h in entries))
    rows.append(tallest)
    return (LEGEND_ROW + 4 if title else 0) + sum(rows) + LEGEND_GAP * (len(rows) - 1) + 12


def refit_legend(spec: dict, width: int) -> dict:
    """A finished figure's dict (changed in place and returned) drawn `width` px wide, as an export
    is: the room `finish` left over the plot for a phone's legend cut to what the legend takes at
    that width, so an image has no blank band between its legend and its plot. The plot keeps its
    height; the legend keeps its place under the title."""
    layout = spec.get("layout", {})
    meta = layout.get("meta") or {}
    room, height = meta.get("legend_room"), layout.get("height")
    if not room or not height or "legend" not in layout:
        return spec
    traces = [
        (t.get("legendgroup"), (t.get("legendgrouptitle") or {}).get("text"), t.get("name"), t.get("showlegend"))
        for t in spec.get("data", ())
    ]
    title = ((layout["legend"].get("title") or {}).get("text")) or ""
    cut = room - _legend_height(traces, title, width - LEGEND_SIDES) - LEGEND_SLACK
    if cut <= 0:
        return spec
    top = (1 - layout["legend"].get("y", 1)) * height  # px from the figure's top to the legend's
    layout["height"] = height - cut
    layout["margin"] = {**layout.get("margin", {}), "t": layout.get("margin", {}).get("t", 0) - cut}
    layout["legend"] = {**layout["legend"], "y": 1 - top / layout["height"]}
    layout["meta"] = {**meta, "legend_room": room - cut}
    return spec


def _entry(text: str, mark: int) -> tuple[int, int]:
    """(width, height) in px of a legend entry of `text`, its lines broken at <br>."""
    lines = re.sub(r"<(?!br)[^>]*>", "", text).split("<br>")
    return mark + LEGEND_CHAR * max(len(line) for line in lines), LEGEND_ROW + LEGEND_LINE * (len(lines) - 1)


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


def claimant_label(row: Mapping) -> str:
    """A claimant as a legend or an axis names it: its short name (`short_name` in the fact file),
    else its name, else its id; never longer than SHORT_NAME_LENGTH (the hover has the name whole)."""
    for column in ("claimant_short_name", "claimant_name", "claimant"):
        if present(row.get(column)):
            return shorten(str(row.get(column)), SHORT_NAME_LENGTH)
    return ""


def unit_of(frame) -> object:  # noqa: ANN001 - a facts frame
    """The unit a frame's figures are written in: the metric's words for it (`unit_label`, "tanks")
    where the frame has them, else its unit ("items"); None when it has none."""
    if not len(frame):
        return None
    # The two columns of the first row, not the row: a facts frame has 46 columns to copy out.
    return written_unit({column: frame[column].iat[0] for column in ("unit_label", "unit") if column in frame})
