"""Consistency checks: figures that contradict their claimant's other figures, their group or their quote.

The loader rejects what cannot be right (a date that does not exist, low > high); these checks
find what is probably wrong or worth a note, in data that loads. Each check is a function over the
facts frame, computed on whole columns at once, and returns findings a curator can act on: what
is odd, which facts, and where they are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.analysis.conflicts import WINDOW_DAYS, comparable_groups
from dashboard.analysis.keys import combined_codes, day_numbers
from dashboard.analysis.reconcile import BEHIND, WITHIN, reconciliations
from dashboard.curation.prose import quote_states
from dashboard.factbase.model import FactBase
from dashboard.factbase.values import ValueError_, parse_date
from dashboard.factbase.wording import format_amount, format_date, format_number, format_ratio, format_value

# What each check looks for, in the order findings are listed.
CHECKS = {
    "cumulative-falls": "a running total that falls over time for the same claimant and metric",
    "increments-exceed-total": "packages from one claimant that add up to more than a total it stated for the span",
    "outlier-100x": "a figure 100 times or more away from the median of its comparable group",
    "quote-missing-figure": "a quote that does not write the figure in any usual form",
    "as-of-after-stated": "a figure said to describe a date after the day it was stated",
    "no-quote": "facts without the words that state them",
    "total-vs-packages": "a running total its packages cannot reach, or outrun by more than the known gap",
    "source-unfindable": "a source with neither its page's own title nor a publication date",
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
        *totals_against_packages(base),
        *unfindable_sources(base),
        *uncited(base),
    ]
    order = {name: i for i, name in enumerate(CHECKS)}
    return sorted(
        findings,
        key=lambda f: (
            f.severity != "error",
            order.get(f.check, len(order)),
            _location_key(f.locations[0] if f.locations else ""),
        ),
    )


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding: check, severity, message, first location, and the lists of facts and locations."""
    rows = [
        {
            "check": f.check,
            "severity": f.severity,
            "message": f.message,
            "location": f.locations[0] if f.locations else "",
            "fact_ids": f.fact_ids,
            "locations": f.locations,
        }
        for f in findings
    ]
    return pd.DataFrame(rows, columns=["check", "severity", "message", "location", "fact_ids", "locations"])


# ---- the checks ----------------------------------------------------------------------------------


def cumulative_falls(facts: pd.DataFrame) -> list[Finding]:
    """Running totals of one claimant (same metric, stage and start) that fall from one date to the next.

    Only a fall beyond both figures' intervals counts: "about 1,200" then 1,150 is rounding, "at
    least 700,000" then 600,000 is a fall. Real series have them (the General Staff corrects its
    count), hence a warning.
    """
    cum = facts[
        (facts["aggregation"] == "cumulative").to_numpy()
        & facts["central"].notna().to_numpy()
        & facts["as_of"].notna().to_numpy()
    ]
    if len(cum) < 2:
        return []
    key = combined_codes(cum["metric"], cum["claimant"], cum["stage"], cum["since"])
    day = day_numbers(cum["as_of"])
    order = np.lexsort((day_numbers(cum["stated"]), day, key))  # unknown statement dates (NaT) first
    key, day = key[order], day[order]
    # Each figure is compared with the last figure of the previous date in its series.
    new_date = np.r_[True, (key[1:] != key[:-1]) | (day[1:] != day[:-1])]
    date_start = np.maximum.accumulate(np.where(new_date, np.arange(len(key)), 0))
    previous = date_start - 1
    same_series = (previous >= 0) & (key[np.maximum(previous, 0)] == key)
    low = cum["interval_low"].to_numpy()[order]
    high = cum["interval_high"].to_numpy()[order]
    # A month is not a day in it: "January 2025" then 5 January is no order, so no fall.
    ends = day_numbers(cum["as_of_end"].fillna(cum["as_of"]))[order]
    after = day > ends[np.maximum(previous, 0)]
    falls = np.flatnonzero(same_series & after & (high < low[np.maximum(previous, 0)] * (1 - _TOLERANCE)))
    if not len(falls):
        return []
    later = _records(cum, order[falls])
    earlier = _records(cum, order[previous[falls]])
    # A daily series imported from a dataset can fall dozens of times: one finding per series.
    series_start = np.flatnonzero(np.r_[True, key[falls][1:] != key[falls][:-1]])
    findings = []
    for start, end in zip(series_start.tolist(), [*series_start[1:].tolist(), len(falls)], strict=True):
        if end - start == 1:
            findings.append(_one_fall(later[start], earlier[start]))
        else:
            findings.append(_falls(later[start:end], earlier[start:end]))
    return findings


def _one_fall(after: dict, before: dict) -> Finding:
    return Finding(
        "cumulative-falls",
        "warning",
        f"fact '{after['fact_id']}': the running total for {_label(after)} from {_name(after)} falls to "
        f"{_figure(after)} ({after['as_of_text']}) from {_figure(before)} ({before['as_of_text']}, "
        f"{before['fact_id']}): a correction or a change of definition? Say which in a note",
        [after["fact_id"], before["fact_id"]],
        [_location(after), _location(before)],
    )


def _falls(later: list[dict], earlier: list[dict]) -> Finding:
    drops = [b["central"] - a["central"] for a, b in zip(later, earlier, strict=True)]
    worst = drops.index(max(drops))
    after, before = later[worst], earlier[worst]
    ids, places = [], []
    for a, b in zip(later, earlier, strict=True):
        ids += [a["fact_id"], b["fact_id"]]
        places += [_location(a), _location(b)]
    return Finding(
        "cumulative-falls",
        "warning",
        f"the running total for {_label(after)} from {_name(after)} falls {len(later)} times between "
        f"{later[0]['as_of_text']} and {later[-1]['as_of_text']}, the largest from {_figure(before)} "
        f"({before['as_of_text']}) to {_figure(after)} ({after['as_of_text']}, {after['fact_id']}): "
        "corrections or changes of definition? Say which in a note",
        list(dict.fromkeys(ids)),
        list(dict.fromkeys(places)),
    )


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
    # Only the columns used below: taking rows of all forty columns would cost more than the check.
    needed = [
        c
        for c in (
            *_RECORD_FIELDS,
            *linked,
            "aggregation",
            "stage",
            "central",
            "interval_low",
            "interval_high",
            "as_of_end",
        )
        if c in facts
    ]
    narrow = facts[list(dict.fromkeys(needed))]
    inc = narrow[
        (narrow["aggregation"] == "increment").to_numpy()
        & narrow["interval_low"].notna().to_numpy()
        & narrow["as_of"].notna().to_numpy()
    ]
    cum = narrow[
        (narrow["aggregation"] == "cumulative").to_numpy()
        & np.isfinite(narrow["interval_high"].to_numpy())
        & narrow["as_of"].notna().to_numpy()
    ]
    if not len(inc) or not len(cum):
        return []
    inc = inc.drop_duplicates(["metric", "claimant", "stage", "as_of", "central"])
    pairs = (
        cum[["metric", *linked]]
        .dropna()
        .drop_duplicates()
        .merge(inc[["metric", *linked]].dropna().drop_duplicates(), on=linked, suffixes=("", "_inc"))
    )
    if not len(pairs):
        return []
    totals = cum.reset_index(drop=True).merge(pairs[["metric", "metric_inc"]], on="metric")

    # One key per (package metric, claimant, stage), shared by packages and totals; packages sorted
    # by key and day, so that the packages of a total's span are one slice found by searchsorted.
    key = combined_codes(
        pd.concat([inc["metric"], totals["metric_inc"]], ignore_index=True),
        pd.concat([inc["claimant"], totals["claimant"]], ignore_index=True),
        pd.concat([inc["stage"], totals["stage"]], ignore_index=True),
    )
    inc_code, code = key[: len(inc)], key[len(inc) :]
    inc_day = day_numbers(inc["as_of"])
    order = np.lexsort((inc_day, inc_code))
    inc, inc_code, inc_day = inc.iloc[order], inc_code[order], inc_day[order]
    lowest = int(inc_day.min())
    span = int(inc_day.max()) - lowest + 2
    inc_key = inc_code * span + (inc_day - lowest)
    running = np.r_[0.0, np.cumsum(inc["interval_low"].to_numpy(dtype=float))]

    since = totals["since"].to_numpy(dtype="datetime64[D]")
    start = np.clip(np.where(np.isnat(since), lowest, since.astype(np.int64)) - lowest, 0, span - 1)
    end = np.clip(day_numbers(totals["as_of_end"].fillna(totals["as_of"])) - lowest, -1, span - 1)
    first = np.searchsorted(inc_key, code * span + start, side="left")
    last = np.searchsorted(inc_key, code * span + end, side="right")
    total = running[last] - running[first]
    over = np.flatnonzero(
        (end >= start) & (last > first) & (total > totals["interval_high"].to_numpy(dtype=float) * (1 + _TOLERANCE))
    )
    if not len(over):
        return []
    # One slipped package makes every later total of the series look short: report the first one.
    series = combined_codes(
        totals["metric"].iloc[over],
        totals["metric_inc"].iloc[over],
        totals["claimant"].iloc[over],
        totals["stage"].iloc[over],
    )
    ranked = np.lexsort((day_numbers(totals["as_of"].iloc[over]), series))
    firsts = np.r_[True, series[ranked][1:] != series[ranked][:-1]]
    later = np.diff(np.r_[np.flatnonzero(firsts), len(ranked)]) - 1
    over = over[ranked[firsts]]

    inc_ids, inc_places = inc["fact_id"].to_numpy(dtype=object), _locations(inc)
    inc_labels = dict(zip(inc["metric"], inc["metric_label"], strict=True))
    findings = []
    rows = _records(totals, over, extra=("metric_inc", "unit", "since_text"))
    for i, row, more in zip(over.tolist(), rows, later.tolist(), strict=True):
        # since as written: a month ("2024-10") is not its first day
        since_text = row.get("since_text") if isinstance(row.get("since_text"), str) else "the start"
        count = int(last[i] - first[i])
        label = _text(inc_labels.get(row["metric_inc"]), row["metric_inc"])
        findings.append(
            Finding(
                "increments-exceed-total",
                "warning",
                f"fact '{row['fact_id']}': {count} figure{'s' if count != 1 else ''} for {label} from {_name(row)} "
                f"between {since_text} and {row['as_of_text']} add up to {format_number(total[i], row['unit'])}, more "
                f"than the {_figure(row)} it gave for {_label(row)}"
                f"{_later(more)}: a package counted twice or slipped, or a "
                "total that leaves some out?",
                [row["fact_id"], *inc_ids[first[i] : last[i]]],
                [_location(row), *inc_places[first[i] : last[i]]],
            )
        )
    return findings


def outliers(facts: pd.DataFrame, *, window_days: int = WINDOW_DAYS) -> list[Finding]:
    """Figures 100 times or more above or below the median of their comparable group (three or more
    figures): the sign of a thousand, million or billion slipped in or out."""
    usable = facts[facts["central"].notna().to_numpy() & facts["as_of"].notna().to_numpy()]
    if len(usable) < 3:
        return []
    groups = comparable_groups(usable, window_days=window_days)
    central = usable["central"]
    by_group = central.groupby(groups, sort=False, observed=True)
    median, size = by_group.transform("median"), by_group.transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (central / median).to_numpy()
        factor = np.where(ratio >= 1, ratio, 1 / ratio)
    flagged = np.flatnonzero(
        (size.to_numpy() >= 3) & (median.to_numpy() > 0) & (central.to_numpy() > 0) & (factor >= OUTLIER_FACTOR)
    )
    findings = []
    for i, row in zip(flagged.tolist(), _records(usable, flagged), strict=True):
        direction = "above" if ratio[i] > 1 else "below"
        findings.append(
            Finding(
                "outlier-100x",
                "warning",
                f"fact '{row['fact_id']}': {_figure(row)} is {format_ratio(factor[i], words=True)} {direction} "
                f"the median {format_number(median.iloc[i], row['unit'])} of the {size.iloc[i]} comparable figures for "
                f"{_label(row)} ({groups.iloc[i]}): a thousand, million or billion slipped?",
                [row["fact_id"]],
                [_location(row)],
            )
        )
    return findings


def quotes_missing_figure(facts: pd.DataFrame) -> list[Finding]:
    """Facts whose quote does not write their value (or, for a range, its low and high) in any usual form."""
    quoted = facts[_has_text(facts["quote"])]
    columns = zip(
        quoted["quote"].tolist(),
        quoted["value"].tolist(),
        quoted["low"].tolist(),
        quoted["high"].tolist(),
        quoted["unit"].tolist(),
        strict=True,
    )
    missing = [
        i
        for i, (quote, value, low, high, unit) in enumerate(columns)
        if not (
            quote_states(quote, value, unit)
            if value == value  # NaN != NaN: no value, a range
            else all(quote_states(quote, x, unit) for x in (low, high) if x == x)
        )
    ]
    findings = []
    for row in _records(quoted, missing):
        quote = row["quote"]
        short = quote if len(quote) <= 90 else quote[:89] + "…"
        findings.append(
            Finding(
                "quote-missing-figure",
                "warning",
                f"fact '{row['fact_id']}': the quote does not write {_figure(row, qualified=False)}: \"{short}\"",
                [row["fact_id"]],
                [_location(row)],
            )
        )
    return findings


def as_of_after_stated(facts: pd.DataFrame, sources: pd.DataFrame | None = None) -> list[Finding]:
    """Figures whose as_of starts after the day they were stated: a typo in a date, or a forecast.

    A statement date taken from a source published "2025-01" covers the whole month, so a figure
    as of 9 January stated in January is fine.
    """
    stated_end = facts["stated"].copy()
    if sources is not None and "published" in sources and len(sources):
        codes, names = pd.factorize(facts["source"])
        published = sources["published"].to_dict()
        periods = [_period(published.get(name)) for name in names]
        start = pd.DatetimeIndex([p[0] for p in periods] + [None])[codes]  # code -1 (no source): NaT
        end = pd.DatetimeIndex([p[1] for p in periods] + [None])[codes]
        from_source = np.asarray(start == pd.DatetimeIndex(facts["stated"]))
        stated_end = stated_end.where(~from_source, pd.Series(end, index=facts.index).astype(stated_end.dtype))
    late = facts["as_of"].notna() & stated_end.notna() & (facts["as_of"] > stated_end)
    findings = []
    for row in _records(facts, np.flatnonzero(late.to_numpy())):
        findings.append(
            Finding(
                "as-of-after-stated",
                "warning",
                f"fact '{row['fact_id']}': as_of {row['as_of_text']} is after the figure was stated "
                f"({row.get('stated_text') or format_date(row['stated'])}): a mistyped date, or a forecast "
                "(say so in a note)?",
                [row["fact_id"]],
                [_location(row)],
            )
        )
    return findings


def facts_without_quote(facts: pd.DataFrame, sources: pd.DataFrame | None = None) -> list[Finding]:
    """Facts with no quote: one finding per dataset they were taken from (`via`), and one per file
    for the rest.

    Figures taken from a compiled dataset often have none (The Economist's estimates), and a
    curator wants one line saying so, not one per figure; the others are work to do file by file.
    """
    missing = facts[~_has_text(facts["quote"])]
    if not len(missing):
        return []
    via = missing["via"].notna().to_numpy()
    origin = np.where(via, missing["via"].to_numpy(dtype=object), missing["file"].to_numpy(dtype=object))
    key = combined_codes(via, origin)
    order = np.lexsort((np.arange(len(key)), key))
    bounds = np.r_[np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]]), len(order)]
    ids = missing["fact_id"].to_numpy(dtype=object)[order]
    places = np.asarray(_locations(missing), dtype=object)[order]
    findings = []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        count, name, from_dataset = end - start, origin[order[start]], bool(via[order[start]])
        facts_text = f"{count} fact{'s' if count != 1 else ''}"
        have = "have" if count != 1 else "has"
        if from_dataset:
            title = _lookup(sources, name, "title") or name
            expected = " (expected for figures from a dataset)" if _lookup(sources, name, "kind") == "dataset" else ""
            message = f"{facts_text} taken from '{name}' ({title}) {have} no quote{expected}"
        else:
            message = f"{facts_text} in {name} {have} no quote"
        examples = ", ".join(ids[start : min(end, start + 3)]) + (", ..." if count > 3 else "")
        findings.append(
            Finding(
                "no-quote",
                "warning",
                f"{message}; a quote lets a reader check the figure ({examples})",
                ids[start:end].tolist(),
                places[start:end].tolist(),
            )
        )
    return findings


def totals_against_packages(base: FactBase) -> list[Finding]:
    """Running totals that declare `adds_up`: a stated total above every package announced by its
    date, or one the packages outrun by more than the gap its metric's note explains."""
    findings = []
    for reconciled in reconciliations(base):
        for row in reconciled.totals.to_dict("records"):
            if row["verdict"] == WITHIN:
                continue
            if row["verdict"] == BEHIND:
                allowed = format_amount(reconciled.explained_gap or 0.0, reconciled.unit)
                why = f"more than the {allowed} the metric's adds_up explains"
            else:
                why = "the packages cannot reach it"
            findings.append(
                Finding(
                    "total-vs-packages",
                    "warning",
                    f"{reconciled.sentence(row)} That is {why} ({', '.join(reconciled.parts)} against "
                    f"'{reconciled.metric}').",
                    [str(row["fact_id"])],
                    [_location(row)],
                )
            )
    return findings


def unfindable_sources(base: FactBase) -> list[Finding]:
    """Sources a reader cannot look up: a description for a title and no publication date."""
    sources = base.sources
    if sources.empty or "title_kind" not in sources:
        return []
    dated = sources["published"].notna() if "published" in sources else pd.Series(False, index=sources.index)
    unfindable = sources[(sources["title_kind"] == "description") & ~dated]
    if unfindable.empty:
        return []
    lines = _declaration_lines(base.files)
    return [
        Finding(
            "source-unfindable",
            "warning",
            f"source '{key}' ({unfindable.at[key, 'title']}): its title is a description and it has no publication "
            "date; give the page's own title, or its date (published), so that a reader can find it",
            [],
            [lines[("sources", key)]] if ("sources", key) in lines else [],
        )
        for key in unfindable.index
    ]


def uncited(base: FactBase) -> list[Finding]:
    """Sources that no fact, via or event cites, and claimants that no fact names."""
    facts, findings = base.facts, []
    cited_sources = _distinct(facts["source"]) | _distinct(facts["via"])
    if len(base.events) and "source" in base.events:
        cited_sources |= _distinct(base.events["source"])
    lines = None
    for check, table, section, cited, what in (
        ("uncited-source", base.sources, "sources", cited_sources, "no fact, via or event cites it"),
        ("uncited-claimant", base.claimants, "claimants", _distinct(facts["claimant"]), "no fact names it"),
    ):
        unused = [key for key in table.index if key not in cited]
        if not unused:
            continue
        lines = lines if lines is not None else _declaration_lines(base.files)
        label = "title" if section == "sources" else "name"
        for key in unused:
            name = table.at[key, label] if label in table else None
            findings.append(
                Finding(
                    check,
                    "warning",
                    f"{section[:-1]} '{key}'{f' ({name})' if isinstance(name, str) else ''}: {what}; remove it or "
                    "add what it supports",
                    [],
                    [lines[(section, key)]] if (section, key) in lines else [],
                )
            )
    return findings


# ---- helpers -------------------------------------------------------------------------------------


def _figure(row: dict, qualified: bool = True) -> str:
    return format_value(
        row["value"],
        row.get("unit"),
        row["qualifier"] if qualified else "exact",
        row["low"],
        row["high"],
        words=True,
        units=False,
    )


def _name(row: dict) -> str:
    return _text(row.get("claimant_name"), row["claimant"])


def _label(row: dict) -> str:
    return _text(row.get("metric_label"), row["metric"])


def _location(row: dict) -> str:
    return f"{row['file']}:{row['line']}"


def _locations(frame: pd.DataFrame) -> list[str]:
    return [f"{file}:{line}" for file, line in zip(frame["file"].tolist(), frame["line"].tolist(), strict=True)]


def _later(count: int) -> str:
    if not count:
        return ""
    return " (as does 1 later total)" if count == 1 else f" (as do {count} later totals)"


def _distinct(column: pd.Series) -> set:
    return set(column.dropna().unique().tolist())


def _lookup(table: pd.DataFrame | None, key: str, column: str) -> object:
    if table is None or column not in table or key not in table.index:
        return None
    value = table.at[key, column]
    return value if isinstance(value, str) else None


def _location_key(location: str) -> tuple[str, int]:
    file, _, line = location.rpartition(":")
    return (file, int(line)) if line.isdigit() else (location, 0)


def _has_text(column: pd.Series) -> np.ndarray:
    """Which cells hold text other than blanks."""
    return (column.str.strip().str.len() > 0).to_numpy(dtype=bool, na_value=False)


_RECORD_FIELDS = (
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
    "as_of",
    "as_of_text",
    "stated_text",
    "since",
    "stated",
    "quote",
    "file",
    "line",
)


def _records(frame: pd.DataFrame, positions, extra: tuple[str, ...] = ()) -> list[dict]:  # noqa: ANN001
    """The rows at `positions` (ints) as dicts of plain values (Timestamps, floats): a finding's message
    needs a few fields of a few rows, and a pandas row costs as much as a column."""
    picked = {name: frame[name].iloc[positions].tolist() for name in (*_RECORD_FIELDS, *extra) if name in frame}
    return [dict(zip(picked, values, strict=True)) for values in zip(*picked.values(), strict=True)]


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _period(raw: object) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    try:
        date = parse_date(raw)
    except ValueError_:
        return None, None
    return pd.Timestamp(date.start), pd.Timestamp(date.end)


_SECTION_END = re.compile(r"\n(?=[^\s#])")  # the next line that starts at the margin: the next top-level key
_KEY = re.compile(r"""^( +)(["']?)([^"'#:\s][^"'#:]*?)\2:[ \t]*(?:#.*)?$""", re.MULTILINE)


def _declaration_lines(files: list[str]) -> dict[tuple[str, str], str]:
    """Where each source, claimant and metric is defined, as "file:line", read from the fact files.

    The loaded FactBase keeps the lines of facts but not of declarations, so they are found again
    in the text: the keys indented under a top-level `sources:`, `claimants:` or `metrics:`, at the
    indentation of the first. A file that cannot be read (moved since loading) gives no locations.
    """
    found: dict[tuple[str, str], str] = {}
    for file in files:
        try:
            text = "\n" + Path(file).read_text(encoding="utf-8-sig")
        except OSError:
            continue
        for section in ("sources", "claimants", "metrics"):
            begin = text.find(f"\n{section}:")
            if begin < 0:
                continue
            body = text.find("\n", begin + 1)
            after = _SECTION_END.search(text, body) if body >= 0 else None
            end = after.start() if after else len(text)
            indent, line, counted = None, text.count("\n", 0, body), body
            for key in _KEY.finditer(text, body, end):
                indent = len(key.group(1)) if indent is None else indent
                line, counted = line + text.count("\n", counted, key.start()), key.start()
                if len(key.group(1)) == indent:
                    found.setdefault((section, key.group(3)), f"{file}:{line}")
    return found
