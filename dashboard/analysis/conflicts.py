"""Conflicting figures: comparable facts from different claimants that disagree, grouped and ranked.

Two figures are comparable when they count the same thing (same metric, hence the same unit and
definition, and the same aid stage) at about the same time (as_of dates within a window; for a
single package, the same day). Deaths and casualties, announced and delivered aid, cumulative
totals and single packages are different metrics or stages, so they never meet here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analysis.keys import combined_codes, day_numbers
from dashboard.analysis.lazy import Deferred, OnFirstRead
from dashboard.factbase.wording import format_date, format_value, how_much_more, possessive

WINDOW_DAYS = 31
# Figures that differ by float noise only ($3.85 billion written two ways) do not disagree.
_SAME = 1e-9
_NEEDED = ("fact_id", "metric", "claimant", "central", "interval_low", "interval_high", "as_of", "stated")


@dataclass(eq=False, repr=False)
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
    summary: str = OnFirstRead()  # type: ignore[assignment]
    members: pd.DataFrame = OnFirstRead()  # type: ignore[assignment]
    stage: str | None = None

    def __repr__(self) -> str:
        return f"Conflict({self.group_id!r}, ratio={self.ratio:.3g}, overlap={self.overlap}, summary={self.summary!r})"


def comparable_groups(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> pd.Series:
    """The comparable group of every fact, as a categorical of group ids ("metric:YYYY-MM-DD", with the
    stage when there is one).

    Facts of one metric and stage are sorted by as_of; a group starts at the first and takes every
    fact up to `window_days` after it, then the next group starts. Facts without an as_of or a
    metric get no group (NaN).
    """
    numbers, labels = _group_numbers(facts, window_days)
    # Categorical: ids written once per group, and fast to group by; number -1 (no group) is NaN.
    return pd.Series(
        pd.Categorical.from_codes(numbers, categories=pd.Index(labels, dtype=object)),
        index=facts.index,
        name="group_id",
    )


def find_conflicts(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> list[Conflict]:
    """Groups of comparable figures whose claimants disagree, the most at odds first.

    Within a group each claimant is represented by its latest-stated figure (then the latest as_of,
    then the one written last), so a group compares claimants and not a claimant with its own
    earlier figure. A group is reported when its highest and lowest central values differ or when
    the members' intervals have no value in common; ordered non-overlapping first, then by ratio
    (highest over lowest central).
    """
    _require_columns(facts)
    numbers, labels = _group_numbers(facts, window_days)
    central = facts["central"].to_numpy(dtype=float)
    rows = np.flatnonzero((numbers >= 0) & ~np.isnan(central))
    if not len(rows):
        return []
    group, claimant = numbers[rows], combined_codes(facts["claimant"])[rows]
    # Unknown statement dates (NaT) sort first: such a figure counts as the claimant's oldest.
    order = np.lexsort((rows, day_numbers(facts["as_of"])[rows], day_numbers(facts["stated"])[rows], claimant, group))
    rows, group, claimant = rows[order], group[order], claimant[order]
    latest = np.r_[(group[1:] != group[:-1]) | (claimant[1:] != claimant[:-1]), True]
    rows, group = rows[latest], group[latest]

    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    claimants = np.diff(np.r_[starts, len(rows)])
    value = central[rows]
    high, low = np.fmax.reduceat(value, starts), np.fmin.reduceat(value, starts)
    lowest_high = np.fmin.reduceat(facts["interval_high"].to_numpy(dtype=float)[rows], starts)
    highest_low = np.fmax.reduceat(facts["interval_low"].to_numpy(dtype=float)[rows], starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low > 0, high / low, np.where(high > 0, np.inf, 1.0))
    overlap = highest_low <= lowest_high * (1 + _SAME)
    shown = np.flatnonzero((claimants >= 2) & ((ratio > 1 + _SAME) | ~overlap))
    group_label = np.asarray(labels, dtype=object)[group[starts[shown]]]
    shown = shown[np.lexsort((group_label, -ratio[shown], overlap[shown]))]

    # Members: the rows of the shown groups, group by group in that order, highest figure first.
    rank = np.full(len(starts), -1)
    rank[shown] = np.arange(len(shown))
    row_rank = np.repeat(rank, claimants)
    keep = row_rank >= 0
    member_order = np.lexsort((rows[keep], -value[keep], row_rank[keep]))
    member_rows, ranks = rows[keep][member_order], row_rank[keep][member_order]
    bounds = np.searchsorted(ranks, np.arange(len(shown) + 1))
    members = facts.iloc[member_rows]
    return _conflicts(members, bounds, [labels[g] for g in group[starts[shown]]], ratio[shown], overlap[shown])


def _conflicts(
    members: pd.DataFrame, bounds: np.ndarray, labels: list[str], ratios: np.ndarray, overlaps: np.ndarray
) -> list[Conflict]:
    """Conflict objects from the members sorted group by group (`bounds` delimit the groups), built
    from plain column values; each group's members frame and sentence are made when first read."""
    column: dict[str, list] = {
        name: (members[name].tolist() if name in members else [None] * len(members)) for name in _SENTENCE_FIELDS
    }
    starts = bounds[:-1]
    day = members["as_of"].to_numpy(dtype="datetime64[D]")
    first = pd.DatetimeIndex(np.minimum.reduceat(day, starts)).tolist() if len(starts) else []
    last = pd.DatetimeIndex(np.maximum.reduceat(day, starts)).tolist() if len(starts) else []
    years_only = (
        np.logical_and.reduceat(members["as_of_precision"].to_numpy(dtype=object) == "year", starts)
        if len(starts) and "as_of_precision" in members
        else np.zeros(len(starts), dtype=bool)
    )
    party = (
        members["party_to_conflict"].fillna(False).to_numpy(dtype=bool)
        if "party_to_conflict" in members
        else np.zeros(len(members), dtype=bool)
    )
    fact_ids = members["fact_id"].to_numpy(dtype=object)
    party_ranks = np.searchsorted(bounds, np.flatnonzero(party), side="right") - 1
    party_ids = np.split(fact_ids[party], np.searchsorted(party_ranks, np.arange(1, len(labels))))
    conflicts = []
    for g, (label, ratio, overlap) in enumerate(zip(labels, ratios.tolist(), overlaps.tolist(), strict=True)):
        top, bottom = int(bounds[g]), int(bounds[g + 1])
        metric = column["metric"][top]
        group = Deferred(_rows, members, top, bottom)
        conflicts.append(
            Conflict(
                group_id=label,
                metric=metric,
                metric_label=_text(column["metric_label"][top], metric),
                unit=_text(column["unit"][top], ""),
                category=_text(column["category"][top], ""),
                as_of_from=first[g],
                as_of_to=last[g],
                ratio=ratio,
                overlap=overlap,
                conflicting=not overlap,
                party_members=party_ids[g].tolist(),
                summary=Deferred(
                    _sentence_at,
                    column,
                    top,
                    bottom - 1,
                    ratio,
                    overlap,  # type: ignore[arg-type]
                    period_words(first[g], last[g], bool(years_only[g])),
                ),
                members=group,  # type: ignore[arg-type]
                stage=column["stage"][top] if isinstance(column["stage"][top], str) else None,
            )
        )
    return conflicts


def _rows(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    return frame.iloc[start:end]


def conflicts_frame(conflicts: list[Conflict]) -> pd.DataFrame:
    """One row per member of every conflict, with its group's id, ratio, overlap and summary."""
    extra = ["group_id", "ratio", "overlap", "summary"]
    if not conflicts:
        from dashboard.factbase.frame import FRAME_COLUMNS

        return pd.DataFrame(columns=extra + FRAME_COLUMNS)
    sizes = [_size(c) for c in conflicts]
    frame = _rows_of(conflicts).assign(
        group_id=np.repeat(np.asarray([c.group_id for c in conflicts], dtype=object), sizes),
        ratio=np.repeat([c.ratio for c in conflicts], sizes),
        overlap=np.repeat([c.overlap for c in conflicts], sizes),
        summary=np.repeat(np.asarray([c.summary for c in conflicts], dtype=object), sizes),
    )
    return frame[extra + [c for c in frame.columns if c not in extra]]


def _rows_of(conflicts: list[Conflict]) -> pd.DataFrame:
    """The members of many conflicts in one frame: one take per shared frame, not one concat per group."""
    pieces: list[tuple[pd.DataFrame, list[np.ndarray]]] = []
    for conflict in conflicts:
        held = conflict.__dict__.get("_members")
        if isinstance(held, Deferred) and held.make is _rows:
            frame, start, end = held.args
            if pieces and pieces[-1][0] is frame:
                pieces[-1][1].append(np.arange(start, end))
                continue
            pieces.append((frame, [np.arange(start, end)]))
        else:
            pieces.append((conflict.members, [np.arange(len(conflict.members))]))
    return pd.concat([frame.iloc[np.concatenate(parts)] for frame, parts in pieces], ignore_index=True)


_MEMBER_FIELDS = (
    "fact_id",
    "claimant",
    "claimant_name",
    "party_to_conflict",
    "value",
    "low",
    "high",
    "central",
    "qualifier",
    "interval_low",
    "interval_high",
    "as_of",
    "as_of_end",
    "as_of_text",
    "stated",
    "stated_text",
    "stage",
    "source",
    "url",
    "quote",
    "file",
    "line",
)


def conflict_to_dict(conflict: Conflict) -> dict:
    """A conflict as plain JSON-ready values: ISO dates, null for NaN and for open (infinite) bounds."""
    return conflicts_to_dicts([conflict])[0]


def conflicts_to_dicts(conflicts: list[Conflict]) -> list[dict]:
    """`conflict_to_dict` of many conflicts, reading all their members at once (an export of thousands)."""
    frame = conflicts_frame(conflicts)
    fields = [name for name in _MEMBER_FIELDS if name in frame]
    rows = frame[fields].to_dict("records")
    out, start = [], 0
    for conflict in conflicts:
        end = start + _size(conflict)
        out.append(
            {
                "group_id": conflict.group_id,
                "metric": conflict.metric,
                "metric_label": conflict.metric_label,
                "unit": conflict.unit,
                "category": conflict.category,
                "stage": conflict.stage,
                "as_of_from": json_ready(conflict.as_of_from),
                "as_of_to": json_ready(conflict.as_of_to),
                "ratio": json_ready(conflict.ratio),
                "overlap": conflict.overlap,
                "conflicting": conflict.conflicting,
                "party_members": list(conflict.party_members),
                "summary": conflict.summary,
                "members": [_member(row) for row in rows[start:end]],
            }
        )
        start = end
    return out


def _member(row: dict) -> dict:
    """A member as JSON: its dates as written ("2025-01" stays a month), the period as_of names as
    as_of_start and as_of_end."""
    member = {name: json_ready(value) for name, value in row.items() if not name.endswith("_text")}
    if "as_of" in row:
        member["as_of_start"] = member["as_of"]
        member["as_of_end"] = json_ready(row.get("as_of_end", row["as_of"]))
        member["as_of"] = json_ready(row.get("as_of_text", row["as_of"]))
    if "stated_text" in row:
        member["stated"] = json_ready(row["stated_text"])
    return member


def _size(conflict: Conflict) -> int:
    held = conflict.__dict__.get("_members")
    if isinstance(held, Deferred) and held.make is _rows:
        return held.args[2] - held.args[1]
    return len(conflict.members)


# ---- grouping ----------------------------------------------------------------------------------


def comparison_windows(facts: pd.DataFrame, window_days: int = WINDOW_DAYS) -> np.ndarray:
    """For each fact, how many days apart figures of its measure may be and still be compared: the
    window given, or the shorter one its metric declares (window_days: a count that grows fast); a
    single package (an increment) is a moment, so only the same day's reports of it."""
    n = len(facts)
    declared = facts["window_days"].to_numpy(dtype=float) if "window_days" in facts else np.full(n, np.nan)
    days = np.where(np.isnan(declared), window_days, np.minimum(declared, window_days))
    if "aggregation" in facts:
        days = np.where((facts["aggregation"] == "increment").to_numpy(dtype=bool), 0, days)
    return days.astype(np.int64)


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
    partition = combined_codes(facts["metric"], stage)
    day = facts["as_of"].to_numpy(dtype="datetime64[D]")
    rows = np.flatnonzero(facts["metric"].notna().to_numpy() & ~np.isnat(day))
    if not len(rows):
        return numbers, []
    days = day[rows].astype(np.int64)
    part = partition[rows]
    order = np.lexsort((days, part))
    rows, days, part = rows[order], days[order], part[order]
    reach = comparison_windows(facts, window_days)[rows]

    days = days - days.min()
    span = int(days.max()) + window_days + 1  # keys of two partitions never come within a window
    key = part * span + days
    window_end = np.searchsorted(key, key + reach, side="right").tolist()
    firsts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]]).tolist()
    starts = []
    for first, end in zip(firsts, firsts[1:] + [len(rows)], strict=True):
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
    # The group's first date as written: a month-only figure starts group "metric:2025-01", not a day.
    dates = (
        facts["as_of_text"].to_numpy(dtype=object)[start_rows]
        if "as_of_text" in facts
        else pd.DatetimeIndex(day[start_rows]).strftime("%Y-%m-%d")
    )
    labels = [
        f"{m}:{s}:{d}" if isinstance(s, str) and s else f"{m}:{d}"
        for m, s, d in zip(metric, stages, dates, strict=True)
    ]
    return numbers, labels


# ---- the sentence ------------------------------------------------------------------------------

_SENTENCE_FIELDS = (
    "metric",
    "metric_label",
    "unit",
    "category",
    "stage",
    "claimant",
    "claimant_name",
    "qualifier",
    "value",
    "low",
    "high",
)


def summarise(members: pd.DataFrame, ratio: float, overlap: bool) -> str:
    """One sentence a reader can quote: who says the most, how many times the least, and when.

    "Volodymyr Zelenskyy's 4,000 is 3.3 times the figure of about 1,200 from US officials (January 2025)."
    `members` are the group's facts sorted highest first.
    """
    high, low = members.iloc[0].to_dict(), members.iloc[-1].to_dict()
    precision = set(members["as_of_precision"]) if "as_of_precision" in members else set()
    return _sentence(
        high, low, ratio, overlap, period_words(members["as_of"].min(), members["as_of"].max(), precision == {"year"})
    )


def _sentence_at(column: dict[str, list], top: int, bottom: int, ratio: float, overlap: bool, period: str) -> str:
    return _sentence(
        {name: values[top] for name, values in column.items()},
        {name: values[bottom] for name, values in column.items()},
        ratio,
        overlap,
        period,
    )


def _sentence(high: dict, low: dict, ratio: float, overlap: bool, period: str) -> str:
    unit = _text(high.get("unit"), "")
    high_figure = figure_words(high, unit)
    plain = high["qualifier"] == "exact" and not high_figure.startswith("between")
    subject = f"{possessive(speaker(high))} {'' if plain else 'figure of '}{high_figure}"
    other = f"the figure of {figure_words(low, unit)} from {speaker(low)}"
    comparison = how_much_more(ratio, other)
    tail = ", but the two are compatible as stated" if overlap else ""
    return f"{subject} {comparison}{tail} ({period})."


def figure_words(row: dict, unit: str) -> str:
    return format_value(
        row.get("value"), unit, row["qualifier"], row.get("low"), row.get("high"), words=True, units=False
    )


def speaker(row: dict) -> str:
    # Claimant names carry explanations in brackets ("US officials (unnamed)"); a sentence that ends
    # in "(January 2025)" reads better without them.
    name = _text(row.get("claimant_name"), row["claimant"])
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name


def period_words(first: pd.Timestamp, last: pd.Timestamp, years_only: bool) -> str:
    """When the figures refer to, no more precisely than they say: "January 2025", "May to June 2024", "2024"."""
    if years_only:
        return f"{first.year}" if first.year == last.year else f"{first.year} to {last.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def conflict_title(conflict: Conflict) -> str:
    """A group's title, which no other group of the fact base shares: the measure, its stage, and
    the days its figures refer to, each at the precision it is written ("Russian soldiers killed,
    3 to 17 July 2022"; "US aid (delivered), December 2024"). The month alone is not enough: a
    measure compared only within days (window_days, or one package a day) has several groups a month."""
    stage = f" ({conflict.stage})" if conflict.stage else ""
    return f"{conflict.metric_label}{stage}, {_days(conflict.members)}"


def _days(members: pd.DataFrame) -> str:
    if members.empty:
        return ""
    when = members["as_of"]
    precision = members["as_of_precision"] if "as_of_precision" in members else pd.Series("day", index=members.index)
    first, last = when.idxmin(), when.idxmax()
    start, end = pd.Timestamp(when[first]), pd.Timestamp(when[last])
    if (precision[first], precision[last]) == ("day", "day") and start != end:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day} to {end.day} {end:%B %Y}"
        if start.year == end.year:
            return f"{start.day} {start:%B} to {end.day} {end:%B %Y}"
    for when, given, other in ((start, precision[first], end), (end, precision[last], start)):
        if _within(when, given, other):  # "January 2025", not "January 2025 to 13 January 2025"
            return format_date(when, given)
    return f"{format_date(start, precision[first])} to {format_date(end, precision[last])}"


def _within(when: pd.Timestamp, precision: str, other: pd.Timestamp) -> bool:
    """Whether `other` falls in the period `when` names at its precision (its year, month or day)."""
    if precision == "year":
        return when.year == other.year
    if precision == "month":
        return (when.year, when.month) == (other.year, other.month)
    return when.normalize() == other.normalize()


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def json_ready(value: object) -> object:
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
        return [json_ready(v) for v in value]
    return value


def _require_columns(facts: pd.DataFrame) -> None:
    missing = [name for name in _NEEDED if name not in facts.columns]
    if missing:
        raise ValueError(f"find_conflicts needs the facts frame of a FactBase; missing columns: {', '.join(missing)}")
