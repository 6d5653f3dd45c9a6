"""Consistency checks: figures that contradict their claimant's other figures, their group or their quote.

The loader rejects what cannot be right (a date that does not exist, low > high); these checks
find what is probably wrong or worth a note, in data that loads. Each check is a function over the
facts frame, computed on whole columns at once, and returns findings a curator can act on: what
is odd, which facts, and where they are written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .conflicts import WINDOW_DAYS, comparable_groups
from .factbase import FactBase
from .numbers import format_amount, format_figure, quote_states
from .values import ValueError_, parse_date

# What each check looks for, in the order findings are listed.
CHECKS = {
    "cumulative-falls": "a running total that falls over time for the same claimant and metric",
    "increments-exceed-total": "packages from one claimant that add up to more than a total it stated for the span",
    "outlier-100x": "a figure 100 times or more away from the median of its comparable group",
    "quote-missing-figure": "a quote that does not write the figure in any usual form",
    "as-of-after-stated": "a figure said to describe a date after the day it was stated",
    "no-quote": "facts without the words that state them",
    "uncited-source": "a source no fact, event or via cites",
    "uncited-claimant": "a claimant no fact names",
}
OUTLIER_FACTOR = 100.0
_TOLERANCE = 1e-9  # float noise between figures that are equal as written


@dataclass
class Finding:
    """One thing a curator should look at: which check, how serious, what, which facts and where."""

    check: str
    severity: str  # "error" | "warning"
    message: str
    fact_ids: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)  # "file:line"

    def __str__(self) -> str:
        where = self.locations[0] if self.locations else "-"
        return f"{where}: {self.severity}: {self.message} [{self.check}]"


def run_checks(base: FactBase, *, window_days: int = WINDOW_DAYS) -> list[Finding]:
    """Every check over the fact base; errors first, then by check and location."""
    facts = base.facts
    findings = [
        *cumulative_falls(facts),
        *increments_exceeding_totals(facts),
        *outliers(facts, window_days=window_days),
        *quotes_missing_figure(facts),
        *as_of_after_stated(facts, base.sources),
        *facts_without_quote(facts, base.sources),
        *uncited(base),
    ]
    order = {name: i for i, name in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: (f.severity != "error", order.get(f.check, len(order)),
                                           _location_key(f.locations[0] if f.locations else "")))


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding: check, severity, message, first location, and the lists of facts and locations."""
    rows = [{"check": f.check, "severity": f.severity, "message": f.message,
             "location": f.locations[0] if f.locations else "", "fact_ids": f.fact_ids, "locations": f.locations}
            for f in findings]
    return pd.DataFrame(rows, columns=["check", "severity", "message", "location", "fact_ids", "locations"])


# ---- the checks ----------------------------------------------------------------------------------


def cumulative_falls(facts: pd.DataFrame) -> list[Finding]:
    """Running totals of one claimant (same metric, stage and start) that fall from one date to the next.

    Only a fall beyond both figures' intervals counts: "about 1,200" then 1,150 is rounding, "at
    least 700,000" then 600,000 is a fall. Real series have them (the General Staff corrects its
    count), hence a warning.
    """
    cum = facts[(facts["aggregation"] == "cumulative").to_numpy() & facts["central"].notna().to_numpy()
                & facts["as_of"].notna().to_numpy()]
    if len(cum) < 2:
        return []
    key = _codes(cum["metric"], cum["claimant"], cum["stage"].fillna(""), cum["since"])
    day = cum["as_of"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    stated = cum["stated"].to_numpy(dtype="datetime64[D]").astype(np.int64)  # NaT sorts first
    order = np.lexsort((stated, day, key))
    key, day = key[order], day[order]
    # Each figure is compared with the last figure of the previous date in its series.
    new_date = np.r_[True, (key[1:] != key[:-1]) | (day[1:] != day[:-1])]
    date_start = np.maximum.accumulate(np.where(new_date, np.arange(len(key)), 0))
    previous = date_start - 1
    same_series = (previous >= 0) & (key[np.maximum(previous, 0)] == key)
    low = cum["interval_low"].to_numpy()[order]
    high = cum["interval_high"].to_numpy()[order]
    falls = np.flatnonzero(same_series & (high < low[np.maximum(previous, 0)] * (1 - _TOLERANCE)))
    if not len(falls):
        return []
    rows = cum.iloc[order]
    findings = []
    for i in falls.tolist():
        before, after = rows.iloc[previous[i]], rows.iloc[i]
        findings.append(Finding(
            "cumulative-falls", "warning",
            f"fact '{after['fact_id']}': the running total for {_label(after)} from {_name(after)} falls to "
            f"{_figure(after)} ({after['as_of_text']}) from {_figure(before)} ({before['as_of_text']}, "
            f"{before['fact_id']}): a correction or a change of definition? Say which in a note",
            [after["fact_id"], before["fact_id"]], [_location(after), _location(before)]))
    return findings


def increments_exceeding_totals(facts: pd.DataFrame) -> list[Finding]:
    """Packages (increment metrics) from one claimant that add up to more than a running total it gave.

    A package metric counts toward a cumulative metric when both have the same unit, category and
    subject (US drawdown packages and US military aid since 2022); packages are summed from the
    total's start (`since`) to its as_of, and at the stage the total is at (announced packages do
    not add up to a delivered total). The same package reported by several sources counts once,
    and each package counts at the least it may be (its interval's low end), so only sums that
    exceed the total however the figures are read are reported.
    """
    linked = ["unit", "category", "subject"]
    inc = facts[(facts["aggregation"] == "increment").to_numpy() & facts["interval_low"].notna().to_numpy()
                & facts["as_of"].notna().to_numpy()]
    cum = facts[(facts["aggregation"] == "cumulative").to_numpy() & np.isfinite(facts["interval_high"].to_numpy())
                & facts["as_of"].notna().to_numpy()]
    if not len(inc) or not len(cum):
        return []
    inc = inc.assign(_stage=inc["stage"].fillna("")).drop_duplicates(["metric", "claimant", "_stage", "as_of", "central"])
    pairs = (cum[["metric", *linked]].dropna().drop_duplicates()
             .merge(inc[["metric", *linked]].dropna().drop_duplicates(), on=linked, suffixes=("", "_inc")))
    if not len(pairs):
        return []
    totals = cum.assign(_stage=cum["stage"].fillna("")).reset_index(names="_row").merge(
        pairs[["metric", "metric_inc"]], on="metric")

    keys = pd.MultiIndex.from_arrays([inc["metric"], inc["claimant"], inc["_stage"]])
    inc_code, uniques = pd.factorize(keys)
    inc_day = inc["as_of"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    order = np.lexsort((inc_day, inc_code))
    inc, inc_code, inc_day = inc.iloc[order], inc_code[order].astype(np.int64), inc_day[order]
    lowest = int(inc_day.min())
    span = int(inc_day.max()) - lowest + 2
    inc_key = inc_code * span + (inc_day - lowest)
    running = np.r_[0.0, np.cumsum(inc["interval_low"].to_numpy())]

    code = pd.Index(uniques).get_indexer(pd.MultiIndex.from_arrays(
        [totals["metric_inc"], totals["claimant"], totals["_stage"]])).astype(np.int64)
    since = totals["since"].to_numpy(dtype="datetime64[D]")
    start = np.where(np.isnat(since), lowest, since.astype(np.int64)) - lowest
    end = totals["as_of_end"].fillna(totals["as_of"]).to_numpy(dtype="datetime64[D]").astype(np.int64) - lowest
    start, end = np.clip(start, 0, span - 1), np.clip(end, -1, span - 1)
    first = np.searchsorted(inc_key, code * span + start, side="left")
    last = np.searchsorted(inc_key, code * span + end, side="right")
    total = running[last] - running[first]
    high = totals["interval_high"].to_numpy()
    over = np.flatnonzero((code >= 0) & (end >= start) & (last > first) & (total > high * (1 + _TOLERANCE)))

    findings = []
    for i in over.tolist():
        row, packages = totals.iloc[i], inc.iloc[first[i]:last[i]]
        since_text = f"{row['since']:%Y-%m-%d}" if pd.notna(row["since"]) else "the start"
        count = len(packages)
        findings.append(Finding(
            "increments-exceed-total", "warning",
            f"{count} {_label(packages.iloc[0])} figure{'s' if count != 1 else ''} from {_name(row)} between "
            f"{since_text} and {row['as_of_text']} add up to {format_amount(total[i], row['unit'])}, more than the "
            f"{_figure(row)} total it gave for {_label(row)} ({row['fact_id']}): a package counted twice, or a "
            "total that leaves some out?",
            [row["fact_id"], *packages["fact_id"]], [_location(row), *_locations(packages)]))
    return findings


def outliers(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> list[Finding]:
    """Figures 100 times or more above or below the median of their comparable group (three or more
    figures): the sign of a thousand, million or billion slipped in or out."""
    usable = facts[facts["central"].notna().to_numpy() & facts["as_of"].notna().to_numpy()]
    if len(usable) < 3:
        return []
    groups = comparable_groups(usable, window_days=window_days)
    central = usable["central"]
    by_group = central.groupby(groups, sort=False)
    median, size = by_group.transform("median"), by_group.transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (central / median).to_numpy()
    factor = np.where(ratio >= 1, ratio, 1 / ratio)
    flagged = np.flatnonzero((size.to_numpy() >= 3) & (median.to_numpy() > 0) & (central.to_numpy() > 0)
                             & (factor >= OUTLIER_FACTOR))
    findings = []
    for i in flagged.tolist():
        row = usable.iloc[i]
        direction = "above" if ratio[i] > 1 else "below"
        findings.append(Finding(
            "outlier-100x", "warning",
            f"{_figure(row)} is {factor[i]:,.0f} times {direction} the median {format_amount(median.iloc[i], row['unit'])}"
            f" of the {size.iloc[i]} comparable figures for {_label(row)} ({groups.iloc[i]}): a thousand, million "
            "or billion slipped?",
            [row["fact_id"]], [_location(row)]))
    return findings


def quotes_missing_figure(facts: pd.DataFrame) -> list[Finding]:
    """Facts whose quote does not write their value (or, for a range, its low and high) in any usual form."""
    quoted = facts[facts["quote"].map(_has_text, na_action="ignore").fillna(False).astype(bool).to_numpy()]
    findings = []
    columns = zip(quoted["quote"], quoted["value"], quoted["low"], quoted["high"], quoted["unit"])
    for position, (quote, value, low, high, unit) in enumerate(columns):
        wanted = [value] if not math.isnan(value) else [x for x in (low, high) if not math.isnan(x)]
        if all(quote_states(quote, figure, unit) for figure in wanted):
            continue
        row = quoted.iloc[position]
        short = quote if len(quote) <= 90 else quote[:89] + "…"
        findings.append(Finding(
            "quote-missing-figure", "warning",
            f"fact '{row['fact_id']}': the quote does not write {_figure(row, qualified=False)}: \"{short}\"",
            [row["fact_id"]], [_location(row)]))
    return findings


def as_of_after_stated(facts: pd.DataFrame, sources: pd.DataFrame | None = None) -> list[Finding]:
    """Figures whose as_of starts after the day they were stated: a typo in a date, or a forecast.

    A statement date taken from a source published "2025-01" covers the whole month, so a figure
    as of 9 January stated in January is fine.
    """
    stated_end = facts["stated"].copy()
    if sources is not None and "published" in sources and len(sources):
        periods = {key: _period(raw) for key, raw in sources["published"].items()}
        start = facts["source"].map(lambda s: periods.get(s, (None, None))[0])
        end = facts["source"].map(lambda s: periods.get(s, (None, None))[1])
        from_source = pd.to_datetime(start).to_numpy() == facts["stated"].to_numpy()
        stated_end = stated_end.where(~from_source, pd.to_datetime(end).astype(stated_end.dtype))
    late = facts["as_of"].notna() & stated_end.notna() & (facts["as_of"] > stated_end)
    findings = []
    for _, row in facts[late.to_numpy()].iterrows():
        findings.append(Finding(
            "as-of-after-stated", "warning",
            f"fact '{row['fact_id']}': as_of {row['as_of_text']} is after the figure was stated "
            f"({row['stated']:%Y-%m-%d}): a mistyped date, or a forecast (say so in a note)?",
            [row["fact_id"]], [_location(row)]))
    return findings


def facts_without_quote(facts: pd.DataFrame, sources: pd.DataFrame | None = None) -> list[Finding]:
    """Facts with no quote, one finding per source they came from (their `via` dataset, else their source).

    Figures taken from a compiled dataset often have none, and a curator wants one line saying so,
    not one per figure.
    """
    missing = facts[~facts["quote"].map(_has_text, na_action="ignore").fillna(False).astype(bool).to_numpy()]
    if not len(missing):
        return []
    origin = missing["via"].where(missing["via"].notna(), missing["source"])
    findings = []
    for key, group in missing.groupby(origin, sort=True):
        title, kind = key, None
        if sources is not None and key in sources.index:
            title = _text(sources.at[key, "title"] if "title" in sources else None, key)
            kind = sources.at[key, "kind"] if "kind" in sources else None
        count = len(group)
        through = "taken from" if (group["via"] == key).any() else "in"
        expected = " (expected for figures from a dataset)" if kind == "dataset" else ""
        findings.append(Finding(
            "no-quote", "warning",
            f"{count} fact{'s' if count != 1 else ''} {through} '{key}' ({title}) "
            f"{'have' if count != 1 else 'has'} no quote{expected}; a quote lets a reader check the figure, "
            f"e.g. {group['fact_id'].iloc[0]}",
            group["fact_id"].tolist(), _locations(group)))
    return findings


def uncited(base: FactBase) -> list[Finding]:
    """Sources that no fact, via or event cites, and claimants that no fact names."""
    facts, findings = base.facts, []
    cited_sources = set(facts["source"].dropna()) | set(facts["via"].dropna())
    if len(base.events) and "source" in base.events:
        cited_sources |= set(base.events["source"].dropna())
    lines = None
    for check, table, section, cited, what in (
            ("uncited-source", base.sources, "sources", cited_sources, "no fact, via or event cites it"),
            ("uncited-claimant", base.claimants, "claimants", set(facts["claimant"].dropna()), "no fact names it")):
        unused = [key for key in table.index if key not in cited]
        if not unused:
            continue
        lines = lines if lines is not None else _declaration_lines(base.files)
        label = "title" if section == "sources" else "name"
        for key in unused:
            name = table.at[key, label] if label in table else None
            findings.append(Finding(
                check, "warning",
                f"{section[:-1]} '{key}'{f' ({name})' if isinstance(name, str) else ''}: {what}; remove it or "
                "add what it supports",
                [], [lines[(section, key)]] if (section, key) in lines else []))
    return findings


# ---- helpers -------------------------------------------------------------------------------------


def _codes(*columns: pd.Series) -> np.ndarray:
    """One integer per distinct combination of the columns' values (NaT and NaN are values too)."""
    return pd.factorize(pd.MultiIndex.from_arrays(list(columns)))[0].astype(np.int64)


def _figure(row: pd.Series, qualified: bool = True) -> str:
    return format_figure(row["qualifier"] if qualified else "exact", row["value"], row["low"], row["high"],
                         row.get("unit"))


def _name(row: pd.Series) -> str:
    return _text(row.get("claimant_name"), row["claimant"])


def _label(row: pd.Series) -> str:
    return _text(row.get("metric_label"), row["metric"])


def _location(row: pd.Series) -> str:
    return f"{row['file']}:{row['line']}"


def _locations(frame: pd.DataFrame) -> list[str]:
    return [f"{file}:{line}" for file, line in zip(frame["file"], frame["line"])]


def _location_key(location: str) -> tuple[str, int]:
    file, _, line = location.rpartition(":")
    return (file, int(line)) if line.isdigit() else (location, 0)


def _has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _period(raw: object) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    try:
        date = parse_date(raw)
    except ValueError_:
        return None, None
    return pd.Timestamp(date.start), pd.Timestamp(date.end)


_SECTION = re.compile(r"^([A-Za-z_]+):")
_KEY = re.compile(r"""^( +)(["']?)([^"'#:\s][^"'#:]*?)\2:\s*(?:#.*)?$""")


def _declaration_lines(files: list[str]) -> dict[tuple[str, str], str]:
    """Where each source, claimant and metric is defined, as "file:line", read from the fact files.

    The loaded FactBase does not keep the lines of declarations (only of facts), so they are found
    again in the text: the first key indented under a top-level `sources:`, `claimants:` or
    `metrics:`. A file that cannot be read (moved since loading) just gives no locations.
    """
    found: dict[tuple[str, str], str] = {}
    for file in files:
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except OSError:
            continue
        section, indent = None, None
        for number, line in enumerate(text.splitlines(), start=1):
            top = _SECTION.match(line)
            if top:
                section, indent = top.group(1), None
                continue
            if section not in ("sources", "claimants", "metrics"):
                continue
            key = _KEY.match(line)
            if key and (indent is None or len(key.group(1)) == indent):
                indent = len(key.group(1))
                found.setdefault((section, key.group(3)), f"{file}:{number}")
    return found
