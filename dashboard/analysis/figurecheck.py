"""Check a figure: what the fact base holds for a figure a reader pasted, and who disagrees.

A pasted sentence goes through the extractor (dashboard.curation.extract); each figure found is then
matched to a question (the question of its metric, or, when the words do not tell the metric, the
question whose words and unit it shares) and set against every measure of that question:

- its own measure: the facts of the same metric and stage that agree (intervals overlap, qualifiers
  honoured) and those of that time that disagree;
- a measure it is part of (through part_of): the figure above that whole's figures is inconsistent;
- a measure that is part of it: the figure below that part's figures is inconsistent;
- when its measure cannot be told, the question's measures: it agrees with one whose figures it
  overlaps, and disagrees when it is above every one of them ("$350 billion": above every measure of
  US aid); below them it might count something narrower, so it is left unknown.

Figures of that time are compared: within the conflict window of the date the text or the reader
gives, else the latest figures of each measure, and the check says which date it used. A figure
whose metric and question cannot be told is never called "disagreed with": only facts with the same
unit and an overlapping value are listed, as leads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.analysis.conflicts import comparison_windows
from dashboard.analysis.questions import Question, questions_of, wholes_of
from dashboard.curation.extract import Candidate, Catalog, extract_figures
from dashboard.factbase.model import FactBase
from dashboard.factbase.values import interval, parse_date
from dashboard.factbase.wording import format_date, format_value, written_unit

VERDICTS = ("agrees", "disagrees", "inconsistent", "unknown")
# Characters of pasted text: a paragraph or two. The extractor is for sentences, not whole archives,
# and some texts cost it time that grows faster than their length.
LONGEST = 5_000
# Figures checked in one text: a paragraph states a handful; the rest of a longer list is not checked.
MOST_FIGURES = 50

LEADS = 20  # facts listed for a figure whose metric is unknown: enough to follow, not a wall


@dataclass
class FigureCheck:
    """One figure from the pasted text and what the fact base says about it."""

    candidate: Candidate
    low: float  # the figure's interval, its qualifier honoured ("about" is ±10%, "over" is open)
    high: float
    metric: str | None  # the fact base's metric it counts; None when the words don't tell
    matches: pd.DataFrame  # facts that agree: same metric (and stage), overlapping interval, near in time
    disagreeing: pd.DataFrame  # same metric (and stage), near in time, no overlap
    verdict: str  # one line a reader can act on
    question: Question | None = None  # the question the figure answers, when it can be told
    measures: list[MeasureCheck] = field(default_factory=list)  # the figure against each measure of it
    as_of_used: str = ""  # the date the figures it was set against refer to ("January 2025", "the latest")
    outcome: str = "unknown"  # one of VERDICTS

    @property
    def fact_ids(self) -> list[str]:
        """Every fact the figure was set against."""
        ids = [f for m in self.measures for f in m.facts["fact_id"].tolist()]
        return list(dict.fromkeys(ids or self.matches["fact_id"].tolist() + self.disagreeing["fact_id"].tolist()))

    @property
    def leads(self) -> bool:
        """True when `matches` only share the unit and value (the metric is unknown)."""
        return self.metric is None


@dataclass
class MeasureCheck:
    """The figure against one measure of its question."""

    metric: str
    label: str
    # "same"; "whole": the figure's measure is part of it; "part": it is part of the figure's measure;
    # "unknown": the figure's measure cannot be told; "other": not related.
    relation: str
    outcome: str  # "agrees", "disagrees", "inconsistent", "fits", "above", "below", "no figures", "not compared"
    facts: pd.DataFrame  # the measure's figures it was set against
    sentence: str


def check_text(text: str, base: FactBase, *, as_of: str | None = None) -> list[FigureCheck]:
    """Every figure in `text` (the first MOST_FIGURES), each checked against `base`. `as_of`
    (YYYY[-MM[-DD]]) dates figures the text does not date itself; without either, figures are
    compared with the latest figures."""
    catalog = Catalog.from_factbase(base)
    questions = questions_of(base)
    known = _Facts(base.facts, base.metrics)
    return [
        check_candidate(c, base.facts, as_of=as_of, questions=questions, metrics=base.metrics, known=known)
        for c in extract_figures(text, catalog, published=as_of)[:MOST_FIGURES]
    ]


class _Facts:
    """The facts as the figures of one text are checked against them: the rows of each metric and unit
    are selected once, when a figure first asks, instead of every figure scanning all the facts."""

    def __init__(self, facts: pd.DataFrame, metrics: pd.DataFrame | None = None) -> None:
        self.facts = facts
        self.metrics = metrics
        self.metric_ids = set(facts["metric"].dropna().unique().tolist())
        self._units: dict | None = None
        self._wholes: dict | None = None
        self._rows: dict[tuple, pd.DataFrame] = {}

    @property
    def units(self) -> dict:
        """metric -> unit"""
        if self._units is None:
            self._units = self.facts.drop_duplicates("metric").set_index("metric")["unit"].to_dict()
        return self._units

    @property
    def wholes(self) -> dict:
        if self._wholes is None:
            self._wholes = wholes_of(self.metrics)
        return self._wholes

    def of_metric(self, metric: str) -> pd.DataFrame:
        if ("metric", metric) not in self._rows:
            self._rows["metric", metric] = self.facts[self.facts["metric"] == metric]
        return self._rows["metric", metric]

    def central_of(self, metric: str) -> pd.DataFrame:
        """The facts of `metric` that have a central value."""
        if ("central", metric) not in self._rows:
            facts = self.facts
            self._rows["central", metric] = facts[(facts["metric"] == metric) & facts["central"].notna()]
        return self._rows["central", metric]

    def of_unit(self, unit: str) -> pd.DataFrame:
        if ("unit", unit) not in self._rows:
            self._rows["unit", unit] = self.facts[self.facts["unit"] == unit]
        return self._rows["unit", unit]

    def remember(self, key: tuple, compute, *args):  # noqa: ANN001, ANN202 - any value of the facts
        """`compute(*args)` once per key for the figures of one text."""
        if key not in self._rows:
            self._rows[key] = compute(*args)
        return self._rows[key]


def check_candidate(
    candidate: Candidate,
    facts: pd.DataFrame,
    *,
    as_of: str | None = None,
    questions: list[Question] | None = None,
    metrics: pd.DataFrame | None = None,
    known: _Facts | None = None,
) -> FigureCheck:
    """One figure against the facts. `known` (check_text's) shares the selections between figures."""
    known = known if known is not None and known.facts is facts else _Facts(facts, metrics)
    value = candidate.value if candidate.value is not None else float("nan")
    low = candidate.low if candidate.low is not None else float("nan")
    high = candidate.high if candidate.high is not None else float("nan")
    lo, hi = interval(candidate.qualifier, value, low, high)
    metric = candidate.metric if candidate.metric in known.metric_ids else None
    question = _question_of(candidate, metric, questions or [], known)
    if question is not None and metrics is not None:
        return _against_question(candidate, lo, hi, metric, question, known, metrics, as_of)
    if metric is None:
        leads = _overlapping(known.of_unit(candidate.unit), lo, hi).head(LEADS)
        verdict = "The fact base has no metric this figure clearly counts, so it is not compared. " + (
            f"{len(leads)} fact(s) give the same number in {candidate.unit}: check what they count."
            if len(leads)
            else "No fact gives the same number."
        )
        return FigureCheck(candidate, lo, hi, None, leads, facts.iloc[0:0], verdict)

    same = known.of_metric(metric)
    if candidate.stage:
        same = same[same["stage"].isna() | (same["stage"] == candidate.stage)]
    when = candidate.as_of or as_of
    if when:
        same = _near(same, when)
    agree = _overlapping(same, lo, hi)
    if not when and len(agree):
        # Undated: compare at the dates of the facts that agree, so a running total is not set
        # against its own value years later.
        same = _near(same, agree["as_of"].min(), agree["as_of_end"].max())
        agree = _overlapping(same, lo, hi)
    disagree = same.drop(agree.index) if when or len(agree) else same.iloc[0:0]
    label = _label_of(metric, known)  # of the measure, even when no fact of it is of that time
    verdict = _verdict(label, agree, disagree, dated=bool(when) or len(agree) > 0)
    return FigureCheck(candidate, lo, hi, metric, agree, disagree, verdict)


def _label_of(metric: str, known: _Facts) -> str:
    """A metric's label for a reader: the declared one, else its facts', else (none at all) its id."""
    if known.metrics is not None and metric in known.metrics.index and "label" in known.metrics:
        return str(known.metrics.at[metric, "label"])
    rows = known.of_metric(metric)
    return str(rows["metric_label"].iloc[0]) if len(rows) and "metric_label" in rows else metric


def _overlapping(facts: pd.DataFrame, lo: float, hi: float) -> pd.DataFrame:
    return facts[(facts["interval_low"] <= hi) & (facts["interval_high"] >= lo)]


def _near(facts: pd.DataFrame, start, end=None) -> pd.DataFrame:  # noqa: ANN001 - a date text or timestamps
    """Facts whose as-of period comes within the conflict window of [start, end]."""
    if isinstance(start, str):
        parsed = parse_date(start)
        start, end = pd.Timestamp(parsed.start), pd.Timestamp(parsed.end)
    end = start if end is None else end
    # The window conflicts use: each measure's own where it declares one (window_days).
    window = pd.to_timedelta(comparison_windows(facts), unit="D")
    return facts[(facts["as_of_end"] >= start - window) & (facts["as_of"] <= end + window)]


def _verdict(label: str, agree: pd.DataFrame, disagree: pd.DataFrame, *, dated: bool) -> str:
    def who(frame: pd.DataFrame) -> str:
        names = sorted(frame["claimant_name"].dropna().astype(str).unique())
        return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")

    if not dated:
        return (
            f"Counts {label}, but neither the text nor you gave a date, and no fact agrees: give an "
            "as-of date to compare it with the figures of that time."
        )
    if len(agree) and len(disagree):
        return f"{label}: {len(agree)} fact(s) agree ({who(agree)}); {len(disagree)} disagree ({who(disagree)})."
    if len(agree):
        return f"{label}: {len(agree)} fact(s) agree ({who(agree)}); none of that time disagrees."
    if len(disagree):
        return f"{label}: no fact agrees; {len(disagree)} of that time disagree ({who(disagree)})."
    return f"{label}: the fact base has no figure of that time to compare with."


# ---- against a question's measures -------------------------------------------------------------

_WORD = re.compile(r"[a-z]{2,}")
_COMMON = {
    "the",
    "and",
    "of",
    "in",
    "to",
    "has",
    "have",
    "how",
    "many",
    "much",
    "were",
    "was",
    "by",
    "on",
    "for",
    "its",
}


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("u.s.", "us"))) - _COMMON


def _question_of(candidate: Candidate, metric: str | None, questions: list[Question], known: _Facts):
    """The question of the figure's metric; for an unknown metric, the question in its unit whose
    title shares the most words with the sentence (two at least), or None."""
    if metric is not None:
        return next((q for q in questions if metric in q.metrics), None)
    said = _words(candidate.sentence)
    units = known.units
    best, score = None, 1
    for question in questions:
        if not question.declared or not any(units.get(m) == candidate.unit for m in question.metrics):
            continue
        shared = len(said & _words(question.title))
        if shared > score:
            best, score = question, shared
    return best


def _against_question(
    candidate: Candidate,
    lo: float,
    hi: float,
    metric: str | None,
    question: Question,
    known: _Facts,
    metrics: pd.DataFrame,
    as_of: str | None,
) -> FigureCheck:
    facts = known.facts
    wholes = known.wholes if known.metrics is metrics else wholes_of(metrics)
    when = candidate.as_of or as_of
    checks: list[MeasureCheck] = []
    used: list[tuple[pd.Timestamp, str]] = []
    same_agree = same_disagree = facts.iloc[0:0]
    stage = candidate.stage
    for measure in question.metrics:
        # The rows of a measure, at a stage and a date, are the same for every figure of the text.
        rows = known.remember(("staged", measure, stage), _staged, known.central_of(measure), stage)
        other_unit = known.remember(("other unit", measure, stage, candidate.unit), _other_unit, rows, candidate.unit)
        if metric is not None and measure != metric and other_unit:
            continue
        relation = (
            "unknown"
            if metric is None
            else "same"
            if measure == metric
            else "whole"
            if measure in wholes.get(metric, [])
            else "part"
            if metric in wholes.get(measure, [])
            else "other"
        )
        if relation == "unknown" and other_unit:
            continue
        if when:
            rows = known.remember(("near", measure, stage, when), _near, rows, when)
        elif len(rows):
            rows, latest, written = known.remember(("latest", measure, stage), _latest, rows)
            used.append((latest, written))
        label = known.remember(("label", measure), _label, metrics, measure)
        # The rows' intervals as arrays, once per measure for every figure of the text: a figure
        # then costs comparisons of two arrays, not selections of a frame's every column.
        bounds = known.remember(("bounds", measure, stage, when), _bounds, rows)
        checks.append(_against_measure(relation, measure, label, rows, lo, hi, bounds))
        if relation == "same":
            agrees = (bounds[0] <= hi) & (bounds[1] >= lo)
            same_agree, same_disagree = rows.iloc[np.flatnonzero(agrees)], rows.iloc[np.flatnonzero(~agrees)]
    outcome = _outcome([c for c in checks if c.relation != "other"], metric is None)
    label = next((c.label for c in checks if c.relation == "same"), None)
    if when:
        given = parse_date(when)
        when = format_date(given.start, given.precision)  # "June 2024": the date at the precision given
    # Each measure's latest date, in the order of time: "13 January 2025, 30 April 2025".
    used_dates = list(dict.fromkeys(text for _, text in sorted(used, key=lambda u: u[0])))
    dated = f"the figures of {when}" if when else (f"the latest figures ({', '.join(used_dates)})" if used else "")
    if label is not None:
        verdict = _verdict(label, same_agree, same_disagree, dated=True)
    else:
        verdict = {
            "agrees": "Its measure cannot be told; it agrees with "
            + ", ".join(c.label for c in checks if c.outcome == "agrees")
            + ".",
            "disagrees": "Its measure cannot be told, and it is above every measure of the question.",
        }.get(
            outcome,
            "Its measure cannot be told, and no measure of the question bears it out: "
            + "; ".join(f"{c.outcome} {c.label}" for c in checks if c.outcome in ("above", "below"))
            + ".",
        )
    if len(same_agree) and same_agree["interval_high"].eq(float("inf")).all():
        verdict += (
            " Every figure that agrees is only a lower bound (“at least”, “more than”), which any larger"
            " figure fits: it confirms no more than that bound."
        )
    inconsistent = [c for c in checks if c.outcome == "inconsistent"]
    if inconsistent:
        verdict += " Inconsistent with " + "; ".join(c.sentence for c in inconsistent) + "."
    verdict += f" Question: {question.title} Compared with {dated or 'no figure'}."
    return FigureCheck(
        candidate,
        lo,
        hi,
        metric,
        same_agree
        if metric is not None
        else pd.concat([_overlapping(c.facts, lo, hi) for c in checks if c.outcome == "agrees"] or [facts.iloc[0:0]]),
        same_disagree,
        verdict,
        question=question,
        measures=checks,
        as_of_used=(when or ", ".join(used_dates)),
        outcome=outcome,
    )


def _staged(rows: pd.DataFrame, stage: str | None) -> pd.DataFrame:
    """The rows of the figure's stage, and those without one."""
    if stage and "stage" in rows:
        return rows[rows["stage"].isna() | (rows["stage"] == stage)]
    return rows


def _other_unit(rows: pd.DataFrame, unit: str) -> bool:
    return bool(rows["unit"].ne(unit).all())


def _latest(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp, str]:
    """The rows near the latest date of a measure, that date, and the date as written."""
    latest = rows["as_of"].max()
    rows = _near(rows, latest)
    precision = rows.loc[rows["as_of"] == latest, "as_of_precision"].iloc[0]
    return rows, latest, format_date(latest, precision)


def _label(metrics: pd.DataFrame, measure: str) -> str:
    return str(metrics.at[measure, "label"]) if measure in metrics.index else measure


def _bounds(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows' interval_low and interval_high as float arrays."""
    return (
        rows["interval_low"].to_numpy(dtype=float, na_value=np.nan),
        rows["interval_high"].to_numpy(dtype=float, na_value=np.nan),
    )


def _against_measure(
    relation: str,
    metric: str,
    label: str,
    rows: pd.DataFrame,
    lo: float,
    hi: float,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> MeasureCheck:
    if rows.empty:
        return MeasureCheck(metric, label, relation, "no figures", rows, f"{label}: no figure of that time")
    lows, highs = bounds if bounds is not None else _bounds(rows)
    top, bottom = np.nanmin(highs), np.nanmax(lows)
    if relation in ("same", "unknown"):
        agree = int(((lows <= hi) & (highs >= lo)).sum())
        if agree:
            return MeasureCheck(metric, label, relation, "agrees", rows, f"{label}: {agree} figure(s) agree")
        outcome = "above" if lo > np.nanmax(highs) else "below" if hi < np.nanmin(lows) else "disagrees"
        if relation == "same":
            outcome = "disagrees"
        return MeasureCheck(metric, label, relation, outcome, rows, f"{label}: {outcome}")
    if relation == "whole" and lo > top:
        worst = rows.iloc[int(np.nanargmin(highs))]
        return MeasureCheck(
            metric, label, relation, "inconsistent", rows, f"{label}, which it is part of: {_said(worst)} is less"
        )
    if relation == "part" and hi < bottom:
        worst = rows.iloc[int(np.nanargmax(lows))]
        return MeasureCheck(
            metric, label, relation, "inconsistent", rows, f"{label}, which is part of it: {_said(worst)} is more"
        )
    if relation == "other":
        return MeasureCheck(metric, label, relation, "not compared", rows, f"{label}: another measure, not compared")
    return MeasureCheck(metric, label, relation, "fits", rows, f"{label}: fits")


def _said(row: pd.Series) -> str:
    figure = format_value(row["value"], written_unit(row), row["qualifier"], row["low"], row["high"], words=True)
    return f"{row['claimant_name']}'s {figure}"


def _outcome(checks: list[MeasureCheck], unknown_measure: bool) -> str:
    outcomes = [c.outcome for c in checks]
    if "inconsistent" in outcomes:
        return "inconsistent"
    if "agrees" in outcomes:
        return "agrees"
    if unknown_measure:
        compared = [o for o in outcomes if o not in ("no figures", "not compared")]
        return "disagrees" if compared and all(o == "above" for o in compared) else "unknown"
    return "disagrees" if "disagrees" in outcomes else "unknown"


def check_to_dict(check: FigureCheck) -> dict:
    """One figure's check as plain JSON-ready values (`factdash verify --format json`)."""
    found = check.candidate
    return {
        "text": found.text,
        "value": found.value,
        "low": found.low,
        "high": found.high,
        "unit": found.unit,
        "qualifier": found.qualifier,
        "question": check.question.id if check.question else None,
        "question_title": check.question.title if check.question else None,
        "metric": check.metric,
        "verdict": check.outcome,
        "as_of_used": check.as_of_used,
        "sentence": check.verdict,
        "fact_ids": check.fact_ids,
        "measures": [
            {"metric": m.metric, "relation": m.relation, "outcome": m.outcome, "fact_ids": m.facts["fact_id"].tolist()}
            for m in check.measures
        ],
    }
