"""Questions: every answer to one reader's question, across the measures that answer it.

Two answers to one question differ for one of two reasons, and a fact-checker must tell them apart:

- **they measure different things**: a metric declared `part_of` another counts a part of what the
  other counts (killed of killed and wounded, losses confirmed by photo of all losses claimed). Its
  figure fits when it is at most the whole's at the same time: an **explained** difference (the
  whole and the share of it the part is). A part above its whole is an **inconsistency**: both
  cannot be right.
- **they disagree about the same thing**: figures of one measure from different claimants that
  have no value in common (conflicts.py's groups): a **disagreement**.

Figures of measures not related by `part_of`, of other units or subjects, are never set against
each other. "At the same time" follows the measure's aggregation: a running total of the part at a
date is at most any figure of the whole dated then or later; a level or an increment is compared
with the whole's figure for the same date or period only. A date known to the month is the month:
"January 2025" of the part meets "January 2025" of the whole, and is never taken for a day in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.analysis.conflicts import (
    WINDOW_DAYS,
    Conflict,
    figure_words,
    find_conflicts,
    json_ready,
    period_words,
    speaker,
)
from dashboard.analysis.keys import combined_codes, day_numbers
from dashboard.analysis.lazy import Deferred, OnFirstRead
from dashboard.factbase.model import FactBase
from dashboard.factbase.wording import format_date, format_number, how_much_more, possessive, present

KINDS = ("disagreements", "inconsistencies", "explained")
# Figures that differ by float noise only are equal.
_SAME = 1e-9


@dataclass(frozen=True)
class Question:
    """A reader's question and the measures that answer it, broadest first. `declared` is false for
    the questions made for metrics that no declared question names."""

    id: str
    title: str
    metrics: tuple[str, ...]
    note: str | None = None
    declared: bool = True


@dataclass(eq=False, repr=False)
class Finding:
    """One way two or more answers differ. `ratio` is how many times the higher figure is the
    lower (disagreements, inconsistencies), or the share of the whole the part is (explained).
    The sentence and the lists are made when first read: a large base has thousands of findings
    and a page shows a few."""

    kind: str
    ratio: float
    fact_ids: list[str] = OnFirstRead()  # type: ignore[assignment]
    sentence: str = OnFirstRead()  # type: ignore[assignment]
    metrics: list[str] = OnFirstRead()  # type: ignore[assignment]
    claimants: list[str] = OnFirstRead()  # type: ignore[assignment]
    as_of: str = OnFirstRead()  # type: ignore[assignment]  # when, at the precision the figures give
    more: int = 0  # further dates of the same pair of figures and claimants that differ alike


@dataclass
class Answers:
    """What the analysis says about one question."""

    question: Question
    facts: int
    disagreements: list[Finding] = field(default_factory=list)
    inconsistencies: list[Finding] = field(default_factory=list)
    explained: list[Finding] = field(default_factory=list)

    @property
    def worst(self) -> Finding | None:
        """The finding a reader should see first: an inconsistency, then a disagreement, highest ratio first."""
        ranked = self.inconsistencies or self.disagreements
        return ranked[0] if ranked else None


# ---- which questions ---------------------------------------------------------------------------


def wholes_of(metrics: pd.DataFrame) -> dict[str, list[str]]:
    """Each metric's wholes through part_of, nearest first (the load has refused cycles)."""
    parent = _part_of(metrics)
    chains = {}
    for metric in metrics.index:
        chain, step = [], parent.get(metric)
        while step is not None and step in metrics.index and step not in chain and step != metric:
            chain.append(step)
            step = parent.get(step)
        chains[metric] = chain
    return chains


def questions_of(base: FactBase) -> list[Question]:
    """The declared questions, then one for every family of metrics that no question names: a metric
    with its parts (through part_of), titled by the broadest one's label, so every fact base has
    questions."""
    found = []
    for key, row in base.questions.iterrows() if len(base.questions) else []:
        found.append(
            Question(
                id=str(key),
                title=str(row["title"]),
                metrics=tuple(m for m in row["metrics"] if m in base.metrics.index),
                note=row["note"] if isinstance(row.get("note"), str) else None,
            )
        )
    named = {m for q in found for m in q.metrics}
    wholes = wholes_of(base.metrics)
    families: dict[str, list[str]] = {}
    for metric in base.metrics.index:
        if metric in named:
            continue
        root = next((w for w in reversed(wholes[metric]) if w not in named), metric)
        families.setdefault(root, []).append(metric)
    taken = {q.id for q in found}
    for root, members in families.items():
        ordered = sorted(members, key=lambda m: (len(wholes[m]), list(base.metrics.index).index(m)))
        key = root if root not in taken else f"metric-{root}"
        label = base.metrics.at[root, "label"] if "label" in base.metrics else root
        found.append(Question(id=key, title=str(label), metrics=tuple(ordered), declared=False))
    return found


def measure_panels(question: Question, metrics: pd.DataFrame) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """How the question's chart groups its measures: one panel per family (a measure with its parts
    in the question), titled by the broadest one's label; each measure's label, a part's with its
    relation ("Russian soldiers killed, part of Russian soldiers killed and wounded"); and the
    relations as sentences for the chart's subtitle."""
    wholes = wholes_of(metrics)
    chosen = [m for m in question.metrics if m in metrics.index]

    def label(metric: str) -> str:
        return str(metrics.at[metric, "label"]) if "label" in metrics else metric

    panels: dict[str, list[str]] = {}
    labels = {}
    relations = []
    for metric in chosen:
        inside = [w for w in wholes.get(metric, []) if w in chosen]
        root = inside[-1] if inside else metric
        panels.setdefault(label(root), []).append(metric)
        labels[metric] = f"{label(metric)}, part of {label(inside[0])}" if inside else label(metric)
        if inside:
            relations.append(f"{label(metric)} is part of {label(inside[0])}")
    return panels, labels, relations


# ---- what the analysis says ------------------------------------------------------------------


def answer_questions(
    facts: pd.DataFrame,
    metrics: pd.DataFrame,
    questions: list[Question],
    *,
    window_days: int = WINDOW_DAYS,
    conflicts: list[Conflict] | None = None,
) -> list[Answers]:
    """Every question's disagreements, inconsistencies and explained differences, worst first.

    `facts` is a facts frame (filtered or not); `metrics` the metrics table (for part_of).
    `conflicts`, when given, are find_conflicts of the same facts (the dashboard has them already).
    """
    conflicts = find_conflicts(facts, window_days=window_days) if conflicts is None else conflicts
    by_metric: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        if conflict.conflicting:
            by_metric.setdefault(conflict.metric, []).append(conflict)
    wholes = wholes_of(metrics)
    counts = facts["metric"].value_counts()
    # Each metric's dated figures, cut from the frame once: a metric is in several pairs.
    rows_of = facts.groupby("metric", observed=True, sort=False).indices if len(facts) else {}
    figures = _Figures(facts, rows_of)
    pairs: dict[tuple[str, str], tuple[list[Finding], list[Finding]]] = {}
    answers = []
    for question in questions:
        chosen = set(question.metrics)
        answer = Answers(question, int(sum(counts.get(m, 0) for m in question.metrics)))
        for metric in question.metrics:
            answer.disagreements.extend(_disagreement(c) for c in by_metric.get(metric, []))
            for whole in wholes.get(metric, []):
                if whole in chosen:
                    if (metric, whole) not in pairs:
                        pairs[(metric, whole)] = _part_and_whole(figures(metric), figures(whole), window_days)
                    inconsistent, explained = pairs[(metric, whole)]
                    answer.inconsistencies.extend(inconsistent)
                    answer.explained.extend(explained)
        answer.disagreements.sort(key=lambda f: -f.ratio)
        answer.inconsistencies.sort(key=lambda f: -f.ratio)
        answer.explained.sort(key=lambda f: f.ratio)
        answers.append(answer)
    return answers


def answers_of(base: FactBase, facts: pd.DataFrame | None = None) -> list[Answers]:
    """answer_questions for a whole fact base (or the facts of it given), its questions with any made up."""
    return answer_questions(base.facts if facts is None else facts, base.metrics, questions_of(base))


def ranked(answers: list[Answers]) -> list[Answers]:
    """Questions with an inconsistency or a disagreement first (the widest gap of either first), then
    the rest in the order they were declared."""

    def widest(answer: Answers) -> float:
        return max((f.ratio for f in answer.inconsistencies + answer.disagreements), default=0.0)

    order = sorted(range(len(answers)), key=lambda i: (answers[i].worst is None, -widest(answers[i]), i))
    return [answers[i] for i in order]


def answer_range(answer: Answers, facts: pd.DataFrame) -> tuple[str, str]:
    """The range of the answers in the question's broadest measure with figures, over the window
    before its latest figure ("1,200 to 4,000", or one figure alone), and that latest date at its
    precision ("January 2025"); ("", "") when there is none."""
    for metric in answer.question.metrics:
        rows = facts[(facts["metric"] == metric) & facts["central"].notna() & facts["as_of"].notna()]
        if rows.empty:
            continue
        latest = rows["as_of"].max()
        recent = rows[rows["as_of"] >= latest - pd.Timedelta(days=WINDOW_DAYS)]
        unit = recent["unit"].iloc[0] if isinstance(recent["unit"].iloc[0], str) else ""
        low, high = recent["central"].min(), recent["central"].max()
        when = format_date(latest, rows.loc[rows["as_of"] == latest, "as_of_precision"].iloc[0])
        shown = (
            format_number(low, unit) if low == high else f"{format_number(low, unit)} to {format_number(high, unit)}"
        )
        return shown, when
    return "", ""


def answers_to_dicts(answers: list[Answers]) -> list[dict]:
    """The analysis as plain JSON-ready values (`factdash questions --format json`)."""
    return [
        {
            "id": a.question.id,
            "title": a.question.title,
            "metrics": list(a.question.metrics),
            "note": a.question.note,
            "declared": a.question.declared,
            "facts": a.facts,
            **{
                kind: [
                    {
                        "fact_ids": f.fact_ids,
                        "ratio": json_ready(f.ratio),
                        "sentence": f.sentence,
                        "metrics": f.metrics,
                        "claimants": f.claimants,
                        "as_of": f.as_of,
                        "more": f.more,
                    }
                    for f in getattr(a, kind)
                ]
                for kind in KINDS
            },
        }
        for a in answers
    ]


def _disagreement(conflict: Conflict) -> Finding:
    return Finding(
        kind="disagreement",
        ratio=conflict.ratio,
        fact_ids=Deferred(lambda: conflict.members["fact_id"].tolist()),
        sentence=Deferred(lambda: conflict.summary),
        metrics=[conflict.metric],
        claimants=Deferred(lambda: list(dict.fromkeys(conflict.members["claimant"].tolist()))),
        as_of=Deferred(
            lambda: period_words(
                conflict.as_of_from,
                conflict.as_of_to,
                set(conflict.members.get("as_of_precision", ["day"])) == {"year"},
            )
        ),
    )


# ---- a part against its whole ----------------------------------------------------------------

_COLUMNS = (
    "fact_id",
    "metric",
    "metric_label",
    "unit",
    "claimant",
    "claimant_name",
    "qualifier",
    "value",
    "low",
    "high",
    "central",
    "interval_low",
    "interval_high",
    "as_of",
    "as_of_end",
    "as_of_precision",
    "since",
    "aggregation",
    "stage",
)


def _part_and_whole(p: pd.DataFrame, w: pd.DataFrame, window_days: int) -> tuple[list, list]:
    """The inconsistencies and explained differences between the figures of a part and of its whole.

    For each figure of the part and each claimant of the whole, the whole's figures "at the same
    time" (see the module's rule) give the tightest upper bound: the part's lowest possible value
    above it is an inconsistency. The explained differences set each part figure against the
    whole's nearest figure within the window. Both are reported once per pair of claimants, at the
    worst (inconsistent) or latest (explained) date, with how many other dates differ alike; worst
    (or smallest share) first. Everything is done on arrays: a loop runs once per claimant and
    stage of the whole, never per figure.
    """
    if p.empty or w.empty:
        return [], []
    cumulative = bool((p["aggregation"] == "cumulative").all() and (w["aggregation"] == "cumulative").all())
    with_since = not cumulative and bool((p["aggregation"] == "increment").any())
    both = pd.concat([p, w], ignore_index=True)
    start, end = day_numbers(both["as_of"]), day_numbers(both["as_of_end"])
    period = combined_codes(start, end, *([day_numbers(both["since"])] if with_since else []))
    stage = combined_codes(both["stage"].fillna(""))
    # A whole that gives no stage counts every stage (appropriated holds what was later disbursed);
    # a whole of one stage holds only parts of that stage.
    any_stage = both["stage"].isna().to_numpy()[len(p) :]
    n = len(p)
    low, central = p["interval_low"].to_numpy(float), p["central"].to_numpy(float)
    w_high, w_central = w["interval_high"].to_numpy(float), w["central"].to_numpy(float)
    w_groups = combined_codes(stage[n:], w["claimant"])
    found: dict[str, list[np.ndarray]] = {"inconsistency": [], "explained": []}
    for group in np.unique(w_groups):
        rows = np.flatnonzero(w_groups == group)  # sorted by as_of (p and w are)
        parts = np.flatnonzero(stage[:n] == stage[n + rows[0]]) if not any_stage[rows[0]] else np.arange(n)
        if not len(parts):
            continue
        bound, bound_row = _tightest(
            period[:n][parts], end[:n][parts], period[n:][rows], start[n:][rows], w_high[rows], cumulative
        )
        above = np.flatnonzero((bound_row >= 0) & (low[parts] > bound * (1 + _SAME)))
        if len(above):
            whole_rows = rows[bound_row[above]]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(w_central[whole_rows] > 0, central[parts[above]] / w_central[whole_rows], np.inf)
            found["inconsistency"].append(np.stack([parts[above], whole_rows, ratio]))
        near = _nearest(period[:n][parts], start[:n][parts], period[n:][rows], start[n:][rows], window_days, cumulative)
        fits = np.flatnonzero(near >= 0)
        whole_rows = rows[near[fits]]
        ok = (low[parts[fits]] <= w_high[whole_rows] * (1 + _SAME)) & (w_central[whole_rows] > 0)
        fits, whole_rows = fits[ok], whole_rows[ok]
        if len(fits):
            share = central[parts[fits]] / w_central[whole_rows]
            found["explained"].append(np.stack([parts[fits], whole_rows, share]))
    inconsistent = _by_claimants(p, w, found["inconsistency"], "inconsistency", worst=True)
    explained = _by_claimants(p, w, found["explained"], "explained", worst=False)
    inconsistent.sort(key=lambda f: (-f.ratio, f.fact_ids))
    explained.sort(key=lambda f: (f.ratio, f.fact_ids))
    return inconsistent, explained


class _Figures:
    """A metric's dated figures with a number (the columns a comparison needs), sorted by as_of;
    cut once per metric."""

    def __init__(self, facts: pd.DataFrame, rows_of: dict) -> None:
        self.facts, self.rows_of, self.made = facts, rows_of, {}

    def __call__(self, metric: str) -> pd.DataFrame:
        if metric not in self.made:
            self.made[metric] = self._cut(metric)
        return self.made[metric]

    def _cut(self, metric: str) -> pd.DataFrame:
        positions = self.rows_of.get(metric, np.zeros(0, dtype=np.int64))
        columns = [c for c in _COLUMNS if c in self.facts]
        rows = self.facts.iloc[positions][columns]
        rows = rows[rows["central"].notna() & rows["as_of"].notna()].copy()
        for name in ("since", "stage", "as_of_end", "as_of_precision"):
            if name not in rows:
                rows[name] = None
        rows["as_of_end"] = rows["as_of_end"].fillna(rows["as_of"])
        return rows.sort_values(["as_of", "as_of_end"], kind="stable").reset_index(drop=True)


def _first_of_each(codes: np.ndarray, order_by: np.ndarray) -> dict[int, int]:
    """For each code, the position (into `codes`) of its row with the smallest `order_by`."""
    order = np.lexsort((order_by, codes))
    first = np.r_[True, codes[order][1:] != codes[order][:-1]]
    return dict(zip(codes[order][first].tolist(), order[first].tolist(), strict=True))


def _tightest(
    part_period: np.ndarray,
    part_end: np.ndarray,
    whole_period: np.ndarray,
    whole_start: np.ndarray,
    whole_high: np.ndarray,
    cumulative: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """For each part figure the lowest upper bound of the whole's figures at the same time, and the
    position of that figure among the whole's (-1: none). The whole's rows are sorted by as_of."""
    # The same period: "January 2025" against "January 2025", a day against the same day.
    best = _first_of_each(whole_period, whole_high)
    row = np.array([best.get(c, -1) for c in part_period.tolist()], dtype=np.int64)
    bound = np.where(row >= 0, whole_high[np.maximum(row, 0)], np.inf)
    if cumulative:
        # A running total of the whole dated after the whole of the part's period bounds it too.
        suffix_min = np.minimum.accumulate(whole_high[::-1])[::-1]
        suffix_arg = len(whole_high) - 1 - _running_argmin(whole_high[::-1])[::-1]
        later = np.searchsorted(whole_start, part_end, side="left")
        ok = later < len(whole_high)
        tighter = np.zeros(len(part_end), dtype=bool)
        tighter[ok] = suffix_min[later[ok]] < bound[ok]
        bound[tighter] = suffix_min[later[tighter]]
        row[tighter] = suffix_arg[later[tighter]]
    return bound, row


def _running_argmin(values: np.ndarray) -> np.ndarray:
    """The position of the minimum of values[:i+1] for every i (the first one on ties)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    running = np.minimum.accumulate(values)
    is_new = np.r_[True, values[1:] < running[:-1]]
    return np.maximum.accumulate(np.where(is_new, np.arange(len(values)), 0))


def _nearest(
    part_period: np.ndarray,
    part_start: np.ndarray,
    whole_period: np.ndarray,
    whole_start: np.ndarray,
    window_days: int,
    cumulative: bool,
) -> np.ndarray:
    """For each part figure the whole's figure to set it beside (-1: none): the same period when there
    is one, else (running totals) the nearest dated figure within the window, the later on a tie."""
    last = dict(zip(whole_period.tolist(), range(len(whole_period)), strict=False))
    near = np.array([last.get(c, -1) for c in part_period.tolist()], dtype=np.int64)
    if not cumulative:
        return near
    after = np.searchsorted(whole_start, part_start, side="left")
    before = after - 1
    far = np.iinfo(np.int64).max
    gap_after = np.where(
        after < len(whole_start), whole_start[np.minimum(after, len(whole_start) - 1)] - part_start, far
    )
    gap_before = np.where(before >= 0, part_start - whole_start[np.maximum(before, 0)], far)
    pick = np.where(gap_after <= gap_before, after, before)
    missing = (near < 0) & (np.minimum(gap_after, gap_before) <= window_days)
    near[missing] = pick[missing]
    return near


def _by_claimants(
    p: pd.DataFrame, w: pd.DataFrame, found: list[np.ndarray], kind: str, *, worst: bool
) -> list[Finding]:
    """One finding per pair of claimants (part's, whole's): the worst ratio, or the latest date."""
    if not found:
        return []
    parts, wholes, ratio = np.concatenate(found, axis=1)
    parts, wholes = parts.astype(np.int64), wholes.astype(np.int64)
    p_claimant, w_claimant = p["claimant"].to_numpy(dtype=object), w["claimant"].to_numpy(dtype=object)
    pair = combined_codes(p_claimant[parts], w_claimant[wholes])
    day = day_numbers(p["as_of"])[parts]
    order = np.lexsort((-ratio if worst else -day, pair))
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    sizes = np.bincount(pair)
    p_ids, w_ids = p["fact_id"].to_numpy(dtype=object), w["fact_id"].to_numpy(dtype=object)
    p_metric, w_metric = p["metric"].iloc[0], w["metric"].iloc[0]
    write = _inconsistency if kind == "inconsistency" else _explained
    found_here = []
    for i in first.tolist():
        part, whole = int(parts[i]), int(wholes[i])
        found_here.append(
            Finding(
                kind=kind,
                ratio=float(ratio[i]),
                fact_ids=[p_ids[part], w_ids[whole]],
                sentence=Deferred(
                    lambda part=part, whole=whole, r=float(ratio[i]): write(_row(p, part), _row(w, whole), r)
                ),
                metrics=[p_metric, w_metric],
                claimants=[p_claimant[part], w_claimant[whole]],
                as_of=Deferred(lambda part=part: _when(_row(p, part))),
                more=int(sizes[pair[i]]) - 1,
            )
        )
    return found_here


def _row(frame: pd.DataFrame, position: int) -> dict:
    return frame.iloc[position].to_dict()


def _when(row: dict) -> str:
    return format_date(row["as_of"], row.get("as_of_precision") or "day")


def _figure(row: dict) -> str:
    return figure_words(row, row.get("unit") if isinstance(row.get("unit"), str) else "")


def _inconsistency(part: dict, whole: dict, ratio: float) -> str:
    """ "Volodymyr Zelenskyy's at least 4,000 (North Korean soldiers killed, December 2024) is 1.3 times
    US officials' about 3,000 (killed and wounded, January 2025), though the first is part of the second." """
    other = f"{possessive(speaker(whole))} {_figure(whole)} ({whole['metric_label']}, {_when(whole)})"
    return (
        f"{possessive(speaker(part))} {_figure(part)} ({part['metric_label']}, {_when(part)}) "
        f"{how_much_more(ratio, other)}, though the first measure is part of the second."
    )


def _explained(part: dict, whole: dict, share: float) -> str:
    """ "The General Staff of Ukraine's 9,668 (Russian tanks lost); Oryx's 3,668 of them (Russian tanks
    lost, confirmed by photo or video), 38% (19 July 2025)." """
    percent = share * 100
    shown = f"{percent:.0f}%" if percent >= 1 else f"{percent:.2g}%"
    when = _when(part) if _when(part) == _when(whole) else f"{_when(part)}; the whole {_when(whole)}"
    if share > 1:  # a part above its whole's central figure, yet not above what the whole allows
        later = pd.Timestamp(part["as_of"]) > pd.Timestamp(
            whole["as_of_end"] if present(whole["as_of_end"]) else whole["as_of"]
        )
        why = "the part is counted later and a running total grows" if later else "their ranges overlap"
        return (
            f"{possessive(speaker(whole))} {_figure(whole)} ({whole['metric_label']}); "
            f"{possessive(speaker(part))} {_figure(part)} ({part['metric_label']}) is {shown} of it, possible "
            f"because {why} ({when})."
        )
    return (
        f"{possessive(speaker(whole))} {_figure(whole)} ({whole['metric_label']}); "
        f"{possessive(speaker(part))} {_figure(part)} of them ({part['metric_label']}), {shown} ({when})."
    )


def _part_of(metrics: pd.DataFrame) -> dict[str, str]:
    if "part_of" not in metrics:
        return {}
    return {k: v for k, v in metrics["part_of"].items() if isinstance(v, str)}


__all__ = [
    "KINDS",
    "Answers",
    "Finding",
    "Question",
    "answer_questions",
    "answers_of",
    "answer_range",
    "answers_to_dicts",
    "measure_panels",
    "questions_of",
    "ranked",
    "wholes_of",
]
