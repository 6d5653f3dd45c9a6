"""The claimants' figures of one conflict group, side by side on one value axis."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.arguments import require_frame, require_one
from charts.layout import claimant_label, finish, unit_of, value_axis
from charts.marks import UNCHECKED, bounds, key_traces, parties, symbols
from charts.palette import chart_looks, check_colors
from charts.provenance import escape, hover_text
from dashboard.factbase.wording import format_date, format_number, format_ratio, format_value, present

COLUMNS = (
    "fact_id",
    "claimant",
    "claimant_name",
    "party_to_conflict",
    "unit",
    "value",
    "low",
    "high",
    "central",
    "qualifier",
    "interval_low",
    "interval_high",
)
LABEL_WRAP = 28


def compare_figure(
    members: pd.DataFrame,
    *,
    title: str | None = None,
    ratio: float | None = None,
    colors: Mapping[str, str] | None = None,
    log: bool = False,
) -> go.Figure:
    """Each fact becomes one row (its claimant on the y axis) with its figure on a shared x axis.

    An exact value is a solid marker; a range is a bar from low to high with markers at both
    ends (or at the value); "about" is a hollow marker over a faint ±10% band; "at least" and
    "more than" run an arrow to the right edge ("or more"), "at most"/"less than" to the left.
    Diamonds are parties to the conflict, circles third parties. The ratio of the largest to the
    smallest central figure is annotated; pass `ratio` to show the one the conflict check computed.
    """
    require_frame(members, COLUMNS, "compare_figure")
    colors = check_colors(colors, "compare_figure")
    require_one(members, "unit", "compare_figure", "a comparison needs one unit on its value axis")
    unit = unit_of(members)
    if ratio is not None and not (isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and ratio > 0):
        raise ValueError(f"compare_figure: ratio must be a positive number (or inf) or None, got {ratio!r}")
    rows = members.reset_index(drop=True)
    labels = row_labels(rows)
    left, right = _edges(rows, log)
    fig = go.Figure()
    up, down = bounds(rows)
    looks = chart_looks(rows["claimant"], colors)
    symbol = [s + looks[str(c)].variant for s, c in zip(symbols(rows), rows["claimant"], strict=True)]
    for i, row in enumerate(rows.to_dict("records")):
        color = looks[str(row["claimant"])].color
        hover = hover_text(row)
        group = str(row["claimant"])
        ranged = present(row["low"]) and present(row["high"])
        if row["qualifier"] == "approximately":
            fig.add_trace(
                _bar(row["interval_low"], row["interval_high"], labels[i], color, 0.18, 0.6, "about ±10%", group, hover)
            )
        if ranged:
            fig.add_trace(_bar(row["low"], row["high"], labels[i], color, 0.45, 0.3, "range", group, hover))
        xs = [row["low"], row["high"]] if ranged and not present(row["value"]) else [row["central"]]
        text = format_value(row["value"], unit, row["qualifier"], row["low"], row["high"])
        fig.add_trace(
            go.Scatter(
                **UNCHECKED,
                x=xs,
                y=[labels[i]] * len(xs),
                mode="markers+text",
                name=escape(_name(row)),
                legendgroup=group,
                showlegend=False,
                text=[""] * (len(xs) - 1) + [escape(text)],
                textposition="top center",
                hovertext=[hover] * len(xs),
                hoverinfo="text",
                customdata=[row["fact_id"]] * len(xs),
                cliponaxis=False,
                marker={"symbol": symbol[i], "color": color, "size": 14, "line": {"color": color, "width": 2}},
            )
        )
        if up[i] or down[i]:
            _open_end(fig, row["central"], labels[i], right if up[i] else left, color, up[i], log, hover)
    for trace in key_traces(rows, open_ended=False, title=None):  # arrows and "or more" explain themselves
        fig.add_trace(trace)
    _annotate_ratio(fig, rows, unit, ratio)
    fig.update_xaxes(range=[_axis(left, log), _axis(right, log)], **value_axis(unit, log=log, span=(left, right)))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed")
    # 400: a plot at least 260 px tall for one or two rows, as tall on a phone as on a desktop
    fig.update_layout(barmode="overlay", height=max(400, 150 + 80 * len(rows)))
    label = rows["metric_label"].dropna() if "metric_label" in rows else pd.Series(dtype=object)
    return finish(
        fig,
        chart="compare",
        fact_ids=rows["fact_id"],
        legend_title="Key",
        title=title if title is not None else (label.iloc[0] if len(label) else "Compared figures"),
        unit=unit,
        parties=int(parties(rows).sum()),
    )


def row_labels(rows: pd.DataFrame) -> list[str]:
    """One y label per fact: the claimant's name, with the as-of date, then the publisher, then the
    fact id added while a name is shared by several facts; escaped and wrapped."""
    names = [_name(row) for row in rows.to_dict("records")]
    precisions = rows["as_of_precision"] if "as_of_precision" in rows else pd.Series("day", index=rows.index)
    details = [
        [format_date(d, p) for d, p in zip(rows["as_of"], precisions, strict=True)] if "as_of" in rows else [],
        list(rows["publisher"]) if "publisher" in rows else [],
        list(rows["fact_id"]),
    ]
    for detail in details:
        if not detail:
            continue
        counts = pd.Series(names).value_counts()
        names = [f"{n} ({d})" if counts[n] > 1 and present(d) else n for n, d in zip(names, detail, strict=True)]
    return ["<br>".join(escape(line) for line in textwrap.wrap(n, LABEL_WRAP)) for n in names]


def _name(row: Mapping) -> str:
    return claimant_label(row)


def _edges(rows: pd.DataFrame, log: bool) -> tuple[float, float]:
    """Left and right ends of the value axis: room for the arrows of open-ended figures to run."""
    values = pd.concat([rows[c] for c in ("central", "value", "low", "high", "interval_low", "interval_high")])
    values = values.to_numpy(dtype="float64")
    finite = values[np.isfinite(values) & ((values > 0) if log else (values >= 0))]
    if not len(finite):
        return (1.0, 10.0) if log else (0.0, 1.0)
    if log:
        return float(finite.min()) / 2.5, float(finite.max()) * 2.5
    return 0.0, float(finite.max()) * 1.25


def _axis(x: float, log: bool) -> float:
    """A value in axis coordinates: Plotly places annotations and ranges on log axes by log10."""
    return math.log10(x) if log else x


def _bar(
    low: float, high: float, label: str, color: str, opacity: float, width: float, name: str, group: str, hover: str
) -> go.Bar:
    return go.Bar(
        **UNCHECKED,
        x=[high - low],
        base=[low],
        y=[label],
        orientation="h",
        width=width,
        name=name,
        legendgroup=group,
        showlegend=False,
        opacity=opacity,
        marker={"color": color, "line": {"width": 0}},
        hovertext=[hover],
        hoverinfo="text",
    )


def _open_end(
    fig: go.Figure, bound: float, label: str, edge: float, color: str, up: bool, log: bool, hover: str
) -> None:
    """An arrow from the bound to the edge of the axis, and the words "or more" / "or less" at its head."""
    if log and bound <= 0:
        return
    fig.add_annotation(
        x=_axis(edge, log),
        y=label,
        ax=_axis(bound, log),
        ay=label,
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        text="",
        showarrow=True,
        arrowhead=2,
        arrowsize=1.2,
        arrowwidth=2,
        arrowcolor=color,
        standoff=2,
        startstandoff=9,
        hovertext=hover,
    )
    fig.add_annotation(
        x=_axis(edge, log),
        y=label,
        xref="x",
        yref="y",
        text="or more" if up else "or less",
        showarrow=False,
        xanchor="right" if up else "left",
        yshift=-14,
        font={"size": 11},
    )


def _annotate_ratio(fig: go.Figure, rows: pd.DataFrame, unit: str | None, ratio: float | None) -> None:
    """ "4,000 is 3.3× 1,200" above the plot: the largest central figure against the smallest."""
    central = rows["central"].to_numpy(dtype="float64")
    usable = np.isfinite(central) & (central > 0)
    if usable.sum() < 2:
        return
    high, low = central[usable].max(), central[usable].min()
    if ratio is None:
        ratio = high / low
    if not math.isfinite(ratio) or ratio <= 1:
        return  # nothing to say: equal figures, or a smallest figure of zero
    fig.add_annotation(
        text=escape(f"{format_number(high, unit)} is {format_ratio(ratio)} {format_number(low, unit)}"),
        xref="paper",
        yref="paper",
        x=1,
        y=1,
        xanchor="right",
        yanchor="bottom",
        yshift=8,
        showarrow=False,
        font={"size": 13},
        name="ratio",
    )
