"""Check a figure: what the fact base holds for a figure a reader pasted, and who disagrees.

A pasted sentence goes through the extractor (dashboard.curation.extract); each figure found is then set
against the facts that count the same thing. The rules are the comparison engine's: the same metric
and stage, as-of dates within the conflict window, intervals that honour each qualifier. A figure
whose metric cannot be told is never called "disagreed with": the same number may count something
else, so only facts with the same unit and an overlapping value are listed, as leads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analysis.conflicts import WINDOW_DAYS
from dashboard.curation.extract import Candidate, Catalog, extract_figures
from dashboard.factbase.model import FactBase
from dashboard.factbase.values import interval, parse_date

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

    @property
    def leads(self) -> bool:
        """True when `matches` only share the unit and value (the metric is unknown)."""
        return self.metric is None


def check_text(text: str, base: FactBase, *, as_of: str | None = None) -> list[FigureCheck]:
    """Every figure in `text`, each checked against `base`. `as_of` (YYYY[-MM[-DD]]) dates figures
    the text does not date itself; without either, figures are compared at the dates of the facts
    that match them."""
    catalog = Catalog.from_factbase(base)
    return [check_candidate(c, base.facts, as_of=as_of) for c in extract_figures(text, catalog, published=as_of)]


def check_candidate(candidate: Candidate, facts: pd.DataFrame, *, as_of: str | None = None) -> FigureCheck:
    value = candidate.value if candidate.value is not None else float("nan")
    low = candidate.low if candidate.low is not None else float("nan")
    high = candidate.high if candidate.high is not None else float("nan")
    lo, hi = interval(candidate.qualifier, value, low, high)
    metric = candidate.metric if candidate.metric in set(facts["metric"].dropna()) else None
    if metric is None:
        leads = _overlapping(facts[facts["unit"] == candidate.unit], lo, hi).head(LEADS)
        verdict = "The fact base has no metric this figure clearly counts, so it is not compared. " + (
            f"{len(leads)} fact(s) give the same number in {candidate.unit}: check what they count."
            if len(leads)
            else "No fact gives the same number."
        )
        return FigureCheck(candidate, lo, hi, None, leads, facts.iloc[0:0], verdict)

    same = facts[facts["metric"] == metric]
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
    label = str(same["metric_label"].iloc[0]) if len(same) else metric
    verdict = _verdict(label, agree, disagree, dated=bool(when) or len(agree) > 0)
    return FigureCheck(candidate, lo, hi, metric, agree, disagree, verdict)


def _overlapping(facts: pd.DataFrame, lo: float, hi: float) -> pd.DataFrame:
    return facts[(facts["interval_low"] <= hi) & (facts["interval_high"] >= lo)]


def _near(facts: pd.DataFrame, start, end=None) -> pd.DataFrame:  # noqa: ANN001 - a date text or timestamps
    """Facts whose as-of period comes within the conflict window of [start, end]."""
    if isinstance(start, str):
        parsed = parse_date(start)
        start, end = pd.Timestamp(parsed.start), pd.Timestamp(parsed.end)
    end = start if end is None else end
    window = pd.Timedelta(days=WINDOW_DAYS)
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
