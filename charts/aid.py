"""Aid in one currency: packages as bars by kind, running totals as steps (with the running sum of
the packages, computed, beside the totals stated), levels as markers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.arguments import distinct, require_frame
from charts.layout import axis_title, claimant_label, finish, shorten, tick_prefix
from charts.marks import DASHES, UNCHECKED, add_measure_keys, key_traces, series_traces, value_span
from charts.palette import NEUTRAL, PALETTE, STAGE_PATTERNS, STAGES, chart_looks, check_colors
from charts.provenance import escape, hover_text
from dashboard.factbase.wording import abbreviation, format_value, is_money, present

COLUMNS = (
    "fact_id",
    "metric",
    "metric_label",
    "unit",
    "aggregation",
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
    "stage",
)
AGGREGATIONS = ("increment", "cumulative", "level")
LEVEL_DASHES = ("dot", "dashdot", "longdashdot")  # levels are dotted; several levels, each its own
LEGEND_NAME = 48  # characters of a legend entry; the hover has the names whole
LABELLED_BARS = 24  # above this many bars a figure over each would overlap: the hover has them
GROUPS = {"increment": "Packages (by kind and stage)", "cumulative": "Running totals", "level": "Levels"}


def aid_figure(
    facts: pd.DataFrame,
    *,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
    sums: Mapping[str, pd.DataFrame] | None = None,
) -> go.Figure:
    """Each package (aggregation increment) becomes a bar at its as_of date, coloured by its kind
    (metric) and hatched by stage; each claimant's running total (cumulative) of a metric becomes a
    step line, and each level (such as drawdown authority left) a dotted line of markers.

    `sums` (label -> a frame of as_of and running_sum) are running sums of packages computed from
    the facts, not anyone's claim: each is a grey dashed step beside the totals stated, its label
    saying what it adds up.

    Stocks (totals, levels) and flows (packages) differ by orders of magnitude, so when both are
    present they get two panels sharing the time axis. Bars of one metric on one date overlap
    rather than stack: several reports of one package must not add up to more money.
    """
    require_frame(facts, COLUMNS, "aid_figure")
    colors = check_colors(colors, "aid_figure")
    units = distinct(facts, "unit")
    if len(units) != 1:
        raise ValueError(
            f"aid_figure draws one currency; the facts mix {', '.join(units)}: filter them to one "
            f"unit first (e.g. facts[facts['unit'] == '{units[0]}'])"
            if units
            else "aid_figure: the facts have no unit; expected one currency such as USD"
        )
    unit = units[0]
    if not is_money(unit):
        raise ValueError(f"aid_figure draws money; unit '{unit}' is not a currency (expected e.g. USD, EUR, GBP)")
    unknown = sorted({str(a) for a in facts["aggregation"]} - set(AGGREGATIONS))
    if unknown:
        metrics = distinct(facts[~facts["aggregation"].isin(AGGREGATIONS)], "metric")
        raise ValueError(
            f"aid_figure: aggregation must be one of {', '.join(AGGREGATIONS)}; got "
            f"{', '.join(unknown)} (metrics: {', '.join(metrics)})"
        )
    flows = facts[facts["aggregation"] == "increment"]
    stocks = facts[facts["aggregation"] != "increment"]
    sums = {label: frame for label, frame in (sums or {}).items() if len(frame)}
    two_panels = bool(len(stocks) or sums) and bool(len(flows))  # totals and packages differ by far
    fig = (
        make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.55, 0.45])
        if two_panels
        else go.Figure()
    )
    stock_row, flow_row = (1, 2) if two_panels else (None, None)
    # Beside a running sum, each stated total is a point in time: a step between two statements
    # years apart would draw a total that stood still.
    fact_ids = _add_stocks(fig, stocks, stock_row, colors, points_only=bool(sums))
    fact_ids += _add_flows(fig, flows, flow_row, unit)
    for label, frame in sums.items():
        _add_sum(fig, label, frame, stock_row, unit)
    for trace in key_traces(stocks) if len(stocks) else []:  # the shapes of the markers; bars say it in words
        fig.add_trace(trace, row=stock_row or flow_row, col=1 if stock_row or flow_row else None)
    fig.update_yaxes(title={"text": escape(axis_title(unit))}, tickprefix=tick_prefix(unit), rangemode="tozero")
    fig.update_xaxes(type="date")
    # The plot (height less 140 px of margins) keeps each panel at least 200 px tall; finish adds the legend's room.
    fig.update_layout(barmode="group", height=700 if two_panels else 460)
    labels = distinct(facts, "metric_label")
    return finish(
        fig,
        chart="aid",
        fact_ids=fact_ids,
        legend_title="",
        title=title if title is not None else (" / ".join(labels) if len(labels) <= 2 else "Military aid"),
        unit=unit,
    )


def _add_stocks(
    fig: go.Figure,
    stocks: pd.DataFrame,
    row: int | None,
    colors: Mapping[str, str] | None,
    *,
    points_only: bool = False,
) -> list[str]:
    """A step line per claimant and metric for running totals; a dotted marker line for levels."""
    fact_ids: list[str] = []
    span = value_span(stocks["central"], log=False)
    titled: set[str] = set()
    ordered = stocks.sort_values(["as_of", "fact_id"], kind="stable")
    looks = chart_looks(stocks["claimant"], colors)
    # Several measures: the dash tells them apart and a key names each (never "claimant — measure"
    # cut short); a claimant has one legend entry per group.
    metrics = {a: distinct(stocks[stocks["aggregation"] == a], "metric") for a in AGGREGATIONS}
    dashes: dict[str, str] = {}
    named: set[tuple[str, str]] = set()
    for key, points in ordered.groupby(["aggregation", "claimant", "metric"], sort=True):
        aggregation, claimant, metric = str(key[0]), str(key[1]), str(key[2])
        first = points.iloc[0]
        cumulative = aggregation == "cumulative"
        dash = looks[claimant].dash if cumulative else "dot"
        if len(metrics[aggregation]) > 1:
            styles = DASHES if cumulative else LEVEL_DASHES
            dash = styles[metrics[aggregation].index(metric) % len(styles)]
            dashes[str(first["metric_label"]) if present(first["metric_label"]) else metric] = dash
        traces = series_traces(
            points,
            name=escape(claimant_label(first)),
            color=looks[claimant].color,
            variant=looks[claimant].variant,
            group=aggregation,
            showlegend=(aggregation, claimant) not in named,
            log=False,
            span=span,
            line_shape="hv" if cumulative else "linear",
            dash=dash,
            mode="markers" if points_only and cumulative else "lines+markers",
        )
        if aggregation not in titled:
            traces[0].legendgrouptitle = {"text": GROUPS[aggregation]}
            titled.add(aggregation)
        named.add((aggregation, claimant))
        for trace in traces:
            fig.add_trace(trace, row=row, col=1 if row else None)
        fact_ids += points["fact_id"].astype(str).tolist()
    add_measure_keys(fig, dashes)
    return fact_ids


def _add_sum(fig: go.Figure, label: str, frame: pd.DataFrame, row: int | None, unit: str) -> None:
    """A running sum of packages: a grey dashed step, labelled as computed, with its figure in the hover."""
    fig.add_trace(
        go.Scatter(
            **UNCHECKED,
            x=frame["as_of"],
            y=frame["running_sum"],
            mode="lines",
            line={"shape": "hv", "dash": "dash", "color": NEUTRAL, "width": 2},
            name=escape(shorten(label, LEGEND_NAME + 24)),
            legendgroup="cumulative",
            hovertext=[
                escape(f"{label}: {format_value(v, unit)} by {d:%d %B %Y}")
                for d, v in zip(pd.to_datetime(frame["as_of"]), frame["running_sum"], strict=True)
            ],
            hoverinfo="text",
        ),
        row=row,
        col=1 if row else None,
    )


def _add_flows(fig: go.Figure, flows: pd.DataFrame, row: int | None, unit: str) -> list[str]:
    """Bars per metric and stage: colour says the kind (metric), hatching the stage; bars of one
    metric sit together.

    Reports of one metric and stage on one date become one bar (the largest figure, its error bar
    spanning all the reports' intervals, "N reports" in its label): several outlets reporting one
    package must not stack up into more money than was announced.
    """
    fact_ids: list[str] = []
    metrics = distinct(flows, "metric")
    stage = flows["stage"].where(flows["stage"].isin(STAGES), "unspecified")
    order = {s: i for i, s in enumerate(STAGES + ("unspecified",))}
    flows = flows.assign(stage=stage, order=stage.map(order)).sort_values(["order", "metric"], kind="stable")
    width = _bar_width(flows["as_of"])
    kind_colors = {metric: PALETTE[i % len(PALETTE)] for i, metric in enumerate(metrics)}
    labelled = flows.groupby(["metric", "stage", "as_of"]).ngroups <= LABELLED_BARS
    stages = distinct(flows, "stage")
    for key, reports in flows.groupby(["metric", "stage"], sort=False):
        metric, name = str(key[0]), str(key[1])
        bars = [_bar(group, unit) for _, group in reports.groupby("as_of", sort=True)]
        kind = str(reports["metric_label"].iloc[0])
        kind = abbreviation(kind) or kind  # "PDA": the hover has the label whole
        label = name if len(metrics) == 1 else shorten(kind if len(stages) == 1 else f"{kind} · {name}", LEGEND_NAME)
        fig.add_trace(
            go.Bar(
                **UNCHECKED,
                x=[b["x"] for b in bars],
                y=[b["y"] for b in bars],
                name=escape(label),
                legendgroup="increment",
                offsetgroup=str(metric),
                showlegend=True,
                width=width,
                text=[b["text"] for b in bars] if labelled else None,
                textposition="outside" if labelled else "none",
                constraintext="none",
                cliponaxis=False,
                marker={"color": kind_colors[metric], "pattern": {"shape": STAGE_PATTERNS[name]}},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [b["plus"] for b in bars],
                    "arrayminus": [b["minus"] for b in bars],
                    "visible": any(b["plus"] or b["minus"] for b in bars),
                    # No caps: a zero-length error bar (most packages are exact) still draws one.
                    "width": 0,
                    "thickness": 2,
                },
                hovertext=[b["hover"] for b in bars],
                hoverinfo="text",
                customdata=[b["ids"] for b in bars],
            ),
            row=row,
            col=1 if row else None,
        )
        fact_ids += reports["fact_id"].astype(str).tolist()
    first = next((t for t in fig.data if t.type == "bar"), None)
    if first is not None:
        first.legendgrouptitle = {"text": GROUPS["increment"]}
    return fact_ids


def _bar_width(dates: pd.Series) -> float:
    """Bar width in milliseconds: a narrow slot at its date (a package is a moment, not a period)."""
    day = 86_400_000.0
    span = (dates.max() - dates.min()).total_seconds() * 1000 if len(dates) else 0.0
    return float(min(max(span / 40, 2 * day), 10 * day))


def _bar(reports: pd.DataFrame, unit: str) -> dict:
    """One bar for the reports of one metric and stage on one date."""
    central = reports["central"].to_numpy(dtype="float64")
    position = int(np.nanargmax(central)) if np.isfinite(central).any() else 0
    top = reports.iloc[position].to_dict()
    lows = reports["interval_low"].to_numpy(dtype="float64")
    highs = reports["interval_high"].to_numpy(dtype="float64")
    highs = highs[np.isfinite(highs)]
    y = float(top["central"])
    text = format_value(top["value"], unit, top["qualifier"], top["low"], top["high"])
    hover = hover_text(top)
    others = reports.drop(index=reports.index[position])
    if len(others):
        text += f" ({len(reports)} reports)"
        hover += f"<br><br><b>Also reported ({len(others)}):</b><br>" + "<br>".join(
            escape(f"{_outlet(r)}: {format_value(r['value'], unit, r['qualifier'], r['low'], r['high'])}")
            for r in others.to_dict("records")
        )
    return {
        "x": top["as_of"],
        "y": y,
        "text": escape(text),
        "hover": hover,
        "plus": float(highs.max() - y) if len(highs) and highs.max() > y else 0.0,
        "minus": float(y - np.nanmin(lows)) if np.isfinite(lows).any() and np.nanmin(lows) < y else 0.0,
        "ids": ",".join(reports["fact_id"].astype(str)),
    }


def _outlet(report: Mapping) -> str:
    for key in ("publisher", "source_title", "source", "fact_id"):
        if present(report.get(key)):
            return str(report[key])
    return "?"
