"""Timelines: one metric's figures, claimant by claimant in date order, with the events around them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Events this close to the first or last figure still explain the series (a meeting the week
# before a figure was given); the same month-long window as comparable figures.
EVENT_PADDING = pd.Timedelta(days=31)


@dataclass
class Timeline:
    """What a timeline chart draws: `series` (one row per fact, sorted by claimant then as_of) and
    the `events` dated within the series' span, padded by a month on each side."""

    metric: str
    metric_label: str
    unit: str
    aggregation: str
    series: pd.DataFrame
    events: pd.DataFrame


def timeline(facts: pd.DataFrame, events: pd.DataFrame, metric: str) -> Timeline:
    """The figures of `metric` in `facts`, each claimant's ordered by as_of, and the events around them."""
    known = facts["metric"].dropna().unique()
    if metric not in set(known):
        choices = ", ".join(sorted(known)[:20]) or "none"
        raise ValueError(f"metric '{metric}' is not in the facts given; known: {choices}")
    series = facts[facts["metric"] == metric].sort_values(
        ["claimant", "as_of", "stated", "fact_id"], na_position="first", kind="stable"
    )
    first = series["as_of"].min()
    last = series["as_of_end"].max() if "as_of_end" in series else series["as_of"].max()
    if pd.isna(last):
        last = series["as_of"].max()
    head = series.iloc[0]
    return Timeline(
        metric=metric,
        metric_label=_text(head.get("metric_label"), metric),
        unit=_text(head.get("unit"), ""),
        aggregation=_text(head.get("aggregation"), ""),
        series=series,
        events=_around(events, first - EVENT_PADDING, last + EVENT_PADDING),
    )


def metrics_with_series(facts: pd.DataFrame) -> list[str]:
    """Metrics with dated figures, those with the most dates first (the longest lines), then the most figures.

    A metric with one date still draws (a column of points, one per claimant), so it is listed last
    rather than left out.
    """
    dated = facts[facts["as_of"].notna()]
    counts = dated.groupby("metric").agg(figures=("fact_id", "size"), dates=("as_of", "nunique")).reset_index()
    return counts.sort_values(["dates", "figures", "metric"], ascending=[False, False, True])["metric"].tolist()


def _around(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    if not len(events):
        return events
    return events[events["date"].between(start, end).to_numpy()].sort_values("date", kind="stable")


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default
