"""Conflicting figures: comparable facts from different claimants that disagree, grouped and ranked.

Two figures are comparable when they count the same thing (same metric, hence the same unit and
definition, and the same aid stage) at about the same time (as_of dates within a window). Deaths
and casualties, announced and delivered aid, cumulative totals and single packages are different
metrics or stages, so they never meet here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .numbers import format_figure

WINDOW_DAYS = 31
# Figures that differ by float noise only ($3.85 billion written two ways) do not disagree.
_SAME = 1e-9
_NEEDED = ("fact_id", "metric", "claimant", "central", "interval_low", "interval_high", "as_of")


@dataclass
class Conflict:
    """One group of comparable figures from two or more claimants, as the dashboard shows it.

    `members` holds one fact per claimant (its latest stated), sorted by central value, highest first.
    `overlap` is true when some value lies inside every member's interval (the figures can all be
    right once their qualifiers are honoured); `conflicting` is its negation.
    """

    group_id: str
    metric: str
    metric_label: str
    unit: str
    category: str
    as_of_from: pd.Timestamp
    as_of_to: pd.Timestamp
    ratio: float
    overlap: bool
    conflicting: bool
    party_members: list[str]
    summary: str
    members: pd.DataFrame = field(repr=False)
    stage: str | None = None


def comparable_groups(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> pd.Series:
    """The comparable group of every fact, as a group id ("metric:YYYY-MM-DD", with the stage when there is one).

    Facts of one metric and stage are sorted by as_of; a group starts at the first and takes every
    fact up to `window_days` after it, then the next group starts. Facts without an as_of or a
    metric get no group (None).
    """
    numbers, labels = _group_numbers(facts, window_days)
    ids = np.empty(len(labels) + 1, dtype=object)
    ids[:-1] = labels
    ids[-1] = None  # number -1: no group
    return pd.Series(ids[numbers], index=facts.index, name="group_id", dtype=object)


def find_conflicts(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> list[Conflict]:
    """Groups of comparable figures whose claimants disagree, the most at odds first.

    Within a group each claimant is represented by its latest-stated figure (then the latest as_of),
    so a group compares claimants and not a claimant with its own earlier figure. A group is
    reported when its highest and lowest central values differ or when the members' intervals have
    no value in common; ordered non-overlapping first, then by ratio (highest over lowest central).
    """
    _require_columns(facts)
    usable = facts[facts["central"].notna().to_numpy() & facts["as_of"].notna().to_numpy()]
    numbers, labels = _group_numbers(usable, window_days)
    grouped = usable.assign(_group=numbers)[numbers >= 0]
    # NaT sorts first: a figure whose statement date is unknown counts as the oldest one.
    latest = (grouped.sort_values(["_group", "claimant", "stated", "as_of"], na_position="first", kind="stable")
              .drop_duplicates(["_group", "claimant"], keep="last"))
    stats = latest.groupby("_group").agg(claimants=("claimant", "size"), high=("central", "max"),
                                         low=("central", "min"), lo=("interval_low", "max"),
                                         hi=("interval_high", "min"))
    stats = stats[stats["claimants"] >= 2]
    high, low = stats["high"].to_numpy(), stats["low"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low > 0, high / low, np.where(high > 0, np.inf, 1.0))
    overlap = stats["lo"].to_numpy() <= stats["hi"].to_numpy() * (1 + _SAME)
    stats = stats.assign(ratio=ratio, overlap=overlap)
    stats = stats[(ratio > 1 + _SAME) | ~overlap]
    stats = stats.assign(label=np.asarray(labels, dtype=object)[stats.index.to_numpy()])
    stats = stats.sort_values(["overlap", "ratio", "label"], ascending=[True, False, True], kind="stable")

    rank = pd.Series(np.arange(len(stats)), index=stats.index)
    members = latest[latest["_group"].isin(stats.index)]
    members = members.assign(_rank=rank.reindex(members["_group"]).to_numpy())
    members = members.sort_values(["_rank", "central", "fact_id"], ascending=[True, False, True], kind="stable")
    bounds = np.searchsorted(members["_rank"].to_numpy(), np.arange(len(stats) + 1))
    members = members.drop(columns=["_group", "_rank"])
    return [_conflict(members.iloc[start:end], label, float(r), bool(o))
            for start, end, label, r, o in zip(bounds[:-1], bounds[1:], stats["label"], stats["ratio"],
                                               stats["overlap"])]


def conflicts_frame(conflicts: list[Conflict]) -> pd.DataFrame:
    """One row per member of every conflict, with its group's id, ratio, overlap and summary."""
    extra = ["group_id", "ratio", "overlap", "summary"]
    if not conflicts:
        from .loader import FRAME_COLUMNS

        return pd.DataFrame(columns=extra + FRAME_COLUMNS)
    frames = [c.members.assign(group_id=c.group_id, ratio=c.ratio, overlap=c.overlap, summary=c.summary)
              for c in conflicts]
    frame = pd.concat(frames, ignore_index=True)
    return frame[extra + [c for c in frame.columns if c not in extra]]


_MEMBER_FIELDS = ("fact_id", "claimant", "claimant_name", "party_to_conflict", "value", "low", "high", "central",
                  "qualifier", "interval_low", "interval_high", "as_of", "as_of_text", "stated", "stage", "source",
                  "url", "quote", "file", "line")


def conflict_to_dict(conflict: Conflict) -> dict:
    """A conflict as plain JSON-ready values: ISO dates, null for NaN and for open (infinite) bounds."""
    members = [{name: _plain(row.get(name)) for name in _MEMBER_FIELDS if name in row}
               for row in conflict.members.to_dict("records")]
    return {
        "group_id": conflict.group_id, "metric": conflict.metric, "metric_label": conflict.metric_label,
        "unit": conflict.unit, "category": conflict.category, "stage": conflict.stage,
        "as_of_from": _plain(conflict.as_of_from), "as_of_to": _plain(conflict.as_of_to),
        "ratio": _plain(conflict.ratio), "overlap": conflict.overlap, "conflicting": conflict.conflicting,
        "party_members": list(conflict.party_members), "summary": conflict.summary, "members": members,
    }


# ---- grouping ----------------------------------------------------------------------------------


def _group_numbers(facts: pd.DataFrame, window_days: int) -> tuple[np.ndarray, list[str]]:
    """A group number per row (-1: none) and each group's id.

    Rows are sorted by (metric and stage, as_of day) on one integer key; the end of each window is
    found for every row at once with searchsorted, and only the group starts are walked, so the
    cost is one sort plus one step per group.
    """
    if window_days < 0:
        raise ValueError(f"window_days must be 0 or more, got {window_days}")
    n = len(facts)
    numbers = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return numbers, []
    stage = facts["stage"] if "stage" in facts else pd.Series(None, index=facts.index, dtype=object)
    partition, partitions = pd.factorize(pd.MultiIndex.from_arrays([facts["metric"], stage.fillna("")]))
    day = facts["as_of"].to_numpy(dtype="datetime64[D]")
    valid = facts["metric"].notna().to_numpy() & ~np.isnat(day)
    rows = np.flatnonzero(valid)
    if not len(rows):
        return numbers, []
    days = day[rows].astype(np.int64)
    part = partition[rows].astype(np.int64)
    order = np.lexsort((days, part))
    rows, days, part = rows[order], days[order], part[order]

    days = days - days.min()
    span = int(days.max()) + window_days + 1  # keys of two partitions never come within a window
    key = part * span + days
    window_end = np.searchsorted(key, key + window_days, side="right").tolist()
    firsts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]]).tolist()
    starts = []
    for first, end in zip(firsts, firsts[1:] + [len(rows)]):
        i = first
        while i < end:
            starts.append(i)
            i = window_end[i]
    is_start = np.zeros(len(rows), dtype=bool)
    is_start[starts] = True
    numbers[rows] = np.cumsum(is_start) - 1

    start_rows = rows[starts]
    metric = facts["metric"].to_numpy(dtype=object)[start_rows]
    stages = stage.to_numpy(dtype=object)[start_rows]
    dates = pd.DatetimeIndex(day[start_rows]).strftime("%Y-%m-%d")
    labels = [f"{m}:{s}:{d}" if isinstance(s, str) and s else f"{m}:{d}" for m, s, d in zip(metric, stages, dates)]
    return numbers, labels


# ---- one conflict ------------------------------------------------------------------------------


def _conflict(members: pd.DataFrame, group_id: str, ratio: float, overlap: bool) -> Conflict:
    first = members.iloc[0]
    party = members["party_to_conflict"] if "party_to_conflict" in members else pd.Series(False, index=members.index)
    as_of = members["as_of"]
    return Conflict(
        group_id=group_id,
        metric=first["metric"],
        metric_label=_text(first.get("metric_label"), first["metric"]),
        unit=_text(first.get("unit"), ""),
        category=_text(first.get("category"), ""),
        as_of_from=as_of.min(),
        as_of_to=as_of.max(),
        ratio=ratio,
        overlap=overlap,
        conflicting=not overlap,
        party_members=members["fact_id"][party.fillna(False).astype(bool).to_numpy()].tolist(),
        summary=summarise(members, ratio, overlap),
        members=members,
        stage=first.get("stage") if isinstance(first.get("stage"), str) else None,
    )


def summarise(members: pd.DataFrame, ratio: float, overlap: bool) -> str:
    """One sentence a reader can quote: who says the most, how many times the least, and when.

    "Volodymyr Zelenskyy's 4,000 is 3.3 times the figure of about 1,200 from US officials (January 2025)."
    `members` is sorted highest first.
    """
    high, low = members.iloc[0], members.iloc[-1]
    unit = _text(high.get("unit"), "")
    high_figure = _figure(high, unit)
    plain = high["qualifier"] == "exact" and not high_figure.startswith("between")
    subject = f"{_possessive(_name(high))} {'' if plain else 'figure of '}{high_figure}"
    other = f"the figure of {_figure(low, unit)} from {_name(low)}"
    if math.isinf(ratio):
        comparison = f"stands against {other}"  # the lowest is zero: "times" would say nothing
    elif ratio < 1.5:
        # "1.0 times" hides a real gap; below half again, a percentage says how far apart they are.
        percent = (ratio - 1) * 100
        comparison = f"is {percent:.0f}% higher than {other}" if percent >= 1 else f"is {percent:.2g}% higher than {other}"
    else:
        comparison = f"is {ratio:.1f} times {other}"
    tail = ", but the two are compatible as stated" if overlap else ""
    return f"{subject} {comparison}{tail} ({_period(members)})."


def _figure(row: pd.Series, unit: str) -> str:
    return format_figure(row["qualifier"], row["value"], row.get("low", math.nan), row.get("high", math.nan), unit)


def _name(row: pd.Series) -> str:
    # Claimant names carry explanations in brackets ("US officials (unnamed)"); a sentence that ends
    # in "(January 2025)" reads better without them.
    name = _text(row.get("claimant_name"), row["claimant"])
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def _period(members: pd.DataFrame) -> str:
    """When the figures refer to, as precisely as the least precise of them: "January 2025", "2024"."""
    first, last = members["as_of"].min(), members["as_of"].max()
    precisions = set(members["as_of_precision"]) if "as_of_precision" in members else {"day"}
    if precisions == {"year"}:
        return f"{first.year}" if first.year == last.year else f"{first.year} to {last.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _plain(value: object) -> object:
    """A JSON-ready scalar: ISO dates, int for whole numbers, None for NaN, NaT and infinite bounds."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _require_columns(facts: pd.DataFrame) -> None:
    missing = [name for name in _NEEDED if name not in facts.columns]
    if missing:
        raise ValueError(f"find_conflicts needs the facts frame of a FactBase; missing columns: {', '.join(missing)}")
