"""The charts of a view: each chart's id, title, the facts it draws and the call that draws them.

The dashboard's pages, `factdash charts`/`export` and "Export everything" share these definitions
(`compare_chart`, `timeline_chart`, `aid_chart`, all of them in `view_charts`): a page draws
`chart.figure` and offers `chart.rows` for download, so the data exported is the data drawn by
construction.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from charts.aid import aid_figure
from charts.compare import compare_figure
from charts.palette import claimant_colors
from charts.provenance import sources_caption
from charts.questions import question_figure
from charts.timeline import timeline_figure, timeline_panels
from dashboard.analysis.conflicts import Conflict, find_conflicts
from dashboard.analysis.filters import Filters, apply_filters
from dashboard.analysis.questions import Question, measure_panels, questions_of
from dashboard.analysis.reconcile import packages_of, reconciliations
from dashboard.analysis.series import metrics_with_series, timeline
from dashboard.factbase.model import FactBase
from dashboard.factbase.wording import is_money


def slug(text: str, limit: int = 80) -> str:
    """A file-name-safe form of `text`: lower-case ASCII letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:limit].strip("-") or "chart"


@dataclass(eq=False)
class ChartSpec:
    """One chart of a view: its id (as `factdash charts` lists it), its title, the facts it draws
    (`rows`, as filtered) and the call that draws them."""

    chart_id: str
    title: str
    rows: pd.DataFrame
    draw: Callable[[], go.Figure] = field(repr=False)
    filters: Filters = field(default_factory=Filters)
    base_title: str = ""
    content_hash: str = ""

    @functools.cached_property
    def figure(self) -> go.Figure:
        """The figure as the dashboard shows it (built once; an export draws its own)."""
        return self.draw()

    @functools.cached_property
    def figure_dict(self) -> dict:
        """The figure as a plain dict (arrays base64-encoded), made once: the dashboard sends it on
        every rerun. Read only."""
        return self.figure.to_dict()

    @functools.cached_property
    def caption(self) -> str:
        return sources_caption(self.rows)

    @functools.cached_property
    def as_of(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day the chart's figures refer to."""
        first = self.rows["as_of"].min() if len(self.rows) else pd.NaT
        last = self.rows["as_of_end"].max() if "as_of_end" in self.rows and len(self.rows) else pd.NaT
        if pd.isna(last) and len(self.rows):
            last = self.rows["as_of"].max()
        return (None if pd.isna(first) else first.date()), (None if pd.isna(last) else last.date())

    @functools.cached_property
    def as_of_written(self) -> tuple[str, str]:
        """The first and last as_of of the chart's figures as written ("2022-03", "2025-01-09"):
        a month stays a month. ("", "") when there are none."""
        rows = self.rows
        if not len(rows) or "as_of_text" not in rows or rows["as_of"].isna().all():
            return "", ""
        first = rows.loc[rows["as_of"].idxmin(), "as_of_text"]
        ends = rows["as_of_end"] if "as_of_end" in rows else rows["as_of"]
        last = rows.loc[ends.idxmax(), "as_of_text"]
        return str(first), str(last)

    @functools.cached_property
    def stem(self) -> str:
        """File name without extension: the title and the last as_of as written, e.g.
        `north-korean-casualties-january-2025_2025-01-09` (a month stays `_2025-01`)."""
        last = self.as_of_written[1]
        return f"{slug(self.title)}_{last}" if last else slug(self.title)

    def file_name(self, fmt: str) -> str:
        return f"{self.stem}.{fmt}"


# ---- the charts of a view ---------------------------------------------------------------------


_COLORS: dict[str, dict[str, str]] = {}


def base_colors(base: FactBase) -> dict[str, str]:
    """One colour per claimant of the whole fact base (as the dashboard gives them), so a claimant
    keeps its colour under any filter; computed once per fact base content."""
    found = _COLORS.get(base.content_hash) if base.content_hash else None
    if found is None:
        found = claimant_colors(base.facts["claimant"])
        if len(_COLORS) > 8:
            _COLORS.clear()
        _COLORS[base.content_hash] = found
    return found


def _spec(base: FactBase | None, filters: Filters, **kwargs: object) -> ChartSpec:
    return ChartSpec(
        filters=filters,
        base_title=base.title if base is not None else "",
        content_hash=base.content_hash if base is not None else "",
        **kwargs,
    )  # type: ignore[arg-type]


def compare_chart(
    base: FactBase | None, filters: Filters, conflict: Conflict, *, colors: Mapping[str, str] | None = None
) -> ChartSpec:
    """The compare chart of one conflict group: its members (one figure per claimant) on one axis."""
    title = f"{conflict.metric_label}, {conflict.as_of_from:%B %Y}"
    colors = colors if colors is not None else (base_colors(base) if base is not None else None)
    members = conflict.members
    return _spec(
        base,
        filters,
        chart_id=f"compare:{conflict.group_id}",
        title=title,
        rows=members,
        draw=lambda: compare_figure(members, title=title, ratio=conflict.ratio, colors=colors),
    )


# Daily series are thinned for drawing (first, last, qualified and conflicting points always kept):
# 600 points a series keep the Timelines page's rerun well under half a second.
TIMELINE_POINTS = 600


def timeline_chart(
    base: FactBase,
    filters: Filters,
    facts: pd.DataFrame,
    metrics: Sequence[str],
    *,
    log: bool = False,
    colors: Mapping[str, str] | None = None,
) -> ChartSpec:
    """The timeline of one metric, or stacked panels of several (`facts` are the filtered facts)."""
    if not metrics:
        raise ValueError("timeline_chart needs at least one metric")
    metrics = list(dict.fromkeys(metrics))
    series = {m: timeline(facts, base.events, m) for m in metrics}
    shown = facts[facts["metric"].isin(metrics)]
    keep = [fid for c in find_conflicts(shown) for fid in c.members["fact_id"]]
    labels = [series[m].metric_label for m in metrics]
    title = " / ".join(labels)
    colors = colors if colors is not None else base_colors(base)
    events = series[metrics[0]].events

    def draw() -> go.Figure:
        if len(metrics) > 1:
            return timeline_panels(
                {m: t.series for m, t in series.items()},
                events,
                log=log,
                title=title,
                colors=colors,
                keep=keep,
                max_points=TIMELINE_POINTS,
            )
        return timeline_figure(
            series[metrics[0]].series,
            events,
            log=log,
            title=title,
            colors=colors,
            keep=keep,
            max_points=TIMELINE_POINTS,
        )

    return _spec(base, filters, chart_id="timeline:" + "+".join(metrics), title=title, rows=shown, draw=draw)


def question_chart(
    base: FactBase,
    filters: Filters,
    facts: pd.DataFrame,
    question: Question,
    *,
    log: bool = False,
    colors: Mapping[str, str] | None = None,
) -> ChartSpec:
    """Every answer to one question over time (`facts` are the filtered facts)."""
    panels, labels, relations = measure_panels(question, base.metrics)
    shown = facts[facts["metric"].isin(list(labels)) & facts["as_of"].notna()]
    if shown.empty:
        raise ValueError(f"no dated figures for the question {question.id!r} under the current filters")
    keep = [fid for c in find_conflicts(shown) for fid in c.members["fact_id"]]
    colors = colors if colors is not None else base_colors(base)
    return _spec(
        base,
        filters,
        chart_id=f"question:{question.id}",
        title=question.title,
        rows=shown,
        draw=lambda: question_figure(
            shown,
            panels,
            labels,
            base.events,
            log=log,
            title=question.title,
            relations=relations,
            colors=colors,
            keep=keep,
            max_points=TIMELINE_POINTS,
        ),
    )


def aid_chart(
    base: FactBase | None,
    filters: Filters,
    facts: pd.DataFrame,
    currency: str,
    *,
    colors: Mapping[str, str] | None = None,
) -> ChartSpec:
    """Aid in one currency: packages, running totals and levels of the filtered facts.

    Where a running total declares the packages that add up to it (`adds_up`), the chart is that
    reconciliation: the packages, their running sum (computed) and the totals stated for them, and
    the levels (authority left); the other totals, by measure, are the question's (questions.yaml).
    """
    shown = facts[(facts["category"] == "aid") & (facts["unit"] == currency)]
    if shown.empty:
        raise ValueError(f"no aid figures in {currency!r} under the current filters")
    reconciled = reconciliations(base, shown) if base is not None else []
    if reconciled:
        # The reconciliation: the totals, their packages with the other kinds of the package lists
        # they come from (FMF beside PDA and USAI), and the levels of their question (authority
        # left). Every other measure is the question's.
        totals = {r.metric for r in reconciled}
        parts = {p for r in reconciled for p in r.parts}
        lists = set(shown.loc[shown["metric"].isin(parts), "via"].dropna())
        kinds = parts | set(shown.loc[packages_of(shown) & shown["via"].isin(lists), "metric"])
        asked = [set(q.metrics) for q in questions_of(base) if totals & set(q.metrics)]
        related = set().union(*asked) if asked else set(shown["metric"])
        levels = (shown["aggregation"] == "level") & shown["metric"].isin(related)
        shown = shown[shown["metric"].isin(totals) | (packages_of(shown) & shown["metric"].isin(kinds)) | levels]
        title = f"Aid to Ukraine ({currency}): packages announced and the totals stated"
    else:
        title = f"Military aid to Ukraine ({currency})"
    sums = {r.sum_label: r.sums for r in reconciled}
    colors = colors if colors is not None else (base_colors(base) if base is not None else None)
    return _spec(
        base,
        filters,
        chart_id=f"aid:{currency}",
        title=title,
        rows=shown,
        draw=lambda: aid_figure(shown, title=title, colors=colors, sums=sums),
    )


def aid_currencies(facts: pd.DataFrame) -> list[str]:
    """The currencies aid is counted in, the most counted first (the Aid page opens on it); aid in
    any other unit (vehicles, shells) has no money chart."""
    counts = facts.loc[facts["category"] == "aid", "unit"].dropna().value_counts()
    return sorted((u for u in counts.index.tolist() if is_money(u)), key=lambda u: (-int(counts[u]), u))


def view_parts(
    facts: pd.DataFrame, agreeing: bool, base: FactBase | None = None
) -> tuple[list[Conflict], list[str], list[str], list[Question]]:
    """What the view draws a chart of: conflict groups, metrics with a timeline, aid currencies, and
    the declared questions with dated figures (a question made for a metric is its timeline)."""
    conflicts = [c for c in find_conflicts(facts) if agreeing or c.conflicting]
    questions = []
    if base is not None:
        dated = set(facts.loc[facts["as_of"].notna(), "metric"].dropna())
        questions = [q for q in questions_of(base) if q.declared and dated.intersection(q.metrics)]
    return conflicts, metrics_with_series(facts), aid_currencies(facts), questions


def view_charts(base: FactBase, filters: Filters | None = None, *, agreeing: bool = False) -> list[ChartSpec]:
    """Every chart the dashboard offers under `filters`: each declared question's answers, each
    conflicting group (with `agreeing`, also those whose figures agree within their precision), each
    metric's timeline, aid per currency."""
    filters = filters or Filters()
    facts = apply_filters(base.facts, filters)
    colors = base_colors(base)
    conflicts, metrics, currencies, questions = view_parts(facts, agreeing, base)
    charts = [question_chart(base, filters, facts, q, colors=colors) for q in questions]
    charts += [compare_chart(base, filters, c, colors=colors) for c in conflicts]
    charts += [timeline_chart(base, filters, facts, [m], colors=colors) for m in metrics]
    charts += [aid_chart(base, filters, facts, u, colors=colors) for u in currencies]
    return charts


def chart_count(facts: pd.DataFrame, *, agreeing: bool = False, base: FactBase | None = None) -> int:
    """len(view_charts(base, ...)) for already filtered facts, without building the charts."""
    return sum(len(part) for part in view_parts(facts, agreeing, base))


def find_chart(base: FactBase, filters: Filters | None, chart_id: str) -> ChartSpec:
    """The chart named `chart_id` ("question:<id>", "compare:<group>", "timeline:<metric>[+<metric>...]",
    "aid:<currency>");
    ValueError naming the known ids when there is no such chart under the filters."""
    filters = filters or Filters()
    facts = apply_filters(base.facts, filters)
    kind, _, rest = chart_id.partition(":")
    if kind == "compare":
        found = next((c for c in find_conflicts(facts) if c.group_id == rest), None)
        if found is not None:
            return compare_chart(base, filters, found)
    elif kind == "timeline" and rest:
        metrics, known_metrics = rest.split("+"), set(facts["metric"].dropna())
        if all(m in known_metrics for m in metrics):
            return timeline_chart(base, filters, facts, metrics)
    elif kind == "aid" and rest in aid_currencies(facts):
        return aid_chart(base, filters, facts, rest)
    elif kind == "question":
        found = next((q for q in questions_of(base) if q.id == rest), None)
        if found is not None and facts["metric"].isin(found.metrics).any():
            return question_chart(base, filters, facts, found)
    known = [c.chart_id for c in view_charts(base, filters, agreeing=True)]
    shown = ", ".join(known[:12]) + (
        f", … ({len(known)} in all; `factdash charts` lists them)" if len(known) > 12 else ""
    )
    raise ValueError(f"no chart '{chart_id}' under the filter ({filters.describe()}); known: {shown or 'none'}")
