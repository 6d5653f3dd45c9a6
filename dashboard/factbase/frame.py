"""The files of a fact base assembled into one FactBase: ids unique across files, references
resolved, and each fact's metric, claimant and source attributes joined on as columns."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.factbase import workers
from dashboard.factbase.columns import TEXT_COLUMNS, compact, empty_facts, normalise_facts
from dashboard.factbase.errors import Problem
from dashboard.factbase.factfile import FileResult
from dashboard.factbase.messages import DECLARATIONS, KIND_OF, did_you_mean
from dashboard.factbase.model import FactBase
from dashboard.factbase.values import PartialDate, ValueError_, intervals, is_currency, parse_amount, parse_date

# Where a problem sits: (file, node path, "key"|"value") -> a located Problem with the message.
Locate = Callable[[str, tuple, str, str], Problem]


def assemble(results: list[FileResult], locate: Locate, complete: bool = True) -> tuple[FactBase | None, list[Problem]]:
    """Merge the files: unique ids, resolved references, joined attributes.

    With problems found already (`complete` false) only the checks run, so that every problem is
    reported at once; no FactBase is built from data known to be wrong.
    """
    problems: list[Problem] = []
    tables: dict[str, dict[str, dict]] = {name: {} for name in DECLARATIONS}
    defined_in: dict[str, dict[str, str]] = {name: {} for name in DECLARATIONS}
    for result in results:
        for name in DECLARATIONS:
            for key, value in result.declarations.get(name, {}).items():
                if key in tables[name]:
                    first = defined_in[name][key]
                    problems.append(
                        locate(
                            result.file,
                            (name, key),
                            f"{KIND_OF[name]} '{key}' is "
                            f"defined twice (first in {first}); ids are shared by all included files",
                            "key",
                        )
                    )
                    continue
                tables[name][key] = value
                defined_in[name][key] = result.file

    frames = [r.facts for r in results if len(r.facts)]
    facts = (
        pd.concat(frames, ignore_index=True)
        if frames
        else normalise_facts(empty_facts())[0].assign(
            file=pd.Series(dtype=object), item=pd.Series(dtype="int64"), line=pd.Series(dtype="int64")
        )
    )

    def report(mask: pd.Series, name: str, message) -> None:
        for row in facts.index[mask.to_numpy(dtype=bool)]:
            record = facts.loc[row]
            text = message(record) if callable(message) else message
            problems.append(
                locate(
                    record["file"], ("facts", int(record["item"]), name), f"fact '{record['fact_id']}': {text}", "value"
                )
            )

    keys = {name: _Keys.of(facts[name]) for name in ("metric", "claimant", "source", "via")}
    ids = facts["fact_id"]
    # An id the schema refused is left out (NaN): two such facts do not share an id.
    given = ids.notna()
    duplicated = (
        ids.duplicated(keep="first") & given
        if _distinct(ids) != int(given.sum())
        else pd.Series(False, index=ids.index)
    )
    if duplicated.any():
        first = facts.drop_duplicates("fact_id").set_index("fact_id")
        report(
            duplicated,
            "id",
            lambda r: (
                f"the id is used twice (first at {first.at[r['fact_id'], 'file']}:"
                f"{first.at[r['fact_id'], 'line']}); fact ids must be unique in all files"
            ),
        )

    for name, table in (("metric", "metrics"), ("claimant", "claimants"), ("source", "sources"), ("via", "sources")):
        known = tables[table]
        unknown = pd.Series(
            keys[name].where(lambda key, known=known: key is not None and key not in known), index=facts.index
        )
        kind = KIND_OF[table] if name != "via" else "source"
        report(
            unknown,
            name,
            lambda r, name=name, known=known, kind=kind, table=table: (
                f"unknown {kind} '{r[name]}'{did_you_mean(str(r[name]), known)}; define it under {table}: or fix the id"
            ),
        )

    units = _lookup(keys["metric"], {k: v.get("unit") for k, v in tables["metrics"].items()})
    categories = _lookup(keys["metric"], {k: v.get("category") for k, v in tables["metrics"].items()})
    wrong_currency = facts["value_currency"].notna() & units.notna() & (facts["value_currency"] != units)
    report(
        wrong_currency,
        "value",
        lambda r: f"the value is written in {r['value_currency']} but metric '{r['metric']}' counts {units[r.name]}",
    )
    not_money = (
        facts["value_currency"].notna()
        & units.notna()
        & ~_lookup(keys["metric"], {k: is_currency(str(v.get("unit"))) for k, v in tables["metrics"].items()})
        .fillna(False)
        .astype(bool)
    )
    report(not_money & ~wrong_currency, "value", "the value has a currency sign but the metric does not count money")
    stage_off = facts["stage"].notna() & categories.notna() & (categories != "aid")
    report(
        stage_off,
        "stage",
        lambda r: f"stage is for aid figures; metric '{r['metric']}' is in category '{categories[r.name]}'",
    )

    problems.extend(_relation_problems(tables, defined_in, locate))

    for result in results:
        for i, event in result.events:
            source = event.get("source")
            if isinstance(source, str) and source not in tables["sources"]:
                problems.append(
                    locate(
                        result.file,
                        ("events", i, "source"),
                        f"event '{event.get('label', i)}': unknown source '{source}'"
                        f"{did_you_mean(source, tables['sources'])}",
                        "value",
                    )
                )

    if not complete or any(p.severity == "error" for p in problems):
        return None, problems
    title = next((r.header.get("title") for r in results if r.header.get("title")), "")
    description = next((r.header.get("description") for r in results if r.header.get("description")), "")
    base = FactBase(
        facts=_join(facts, tables, keys),
        sources=declaration_frame(tables["sources"], "source"),
        claimants=declaration_frame(tables["claimants"], "claimant"),
        metrics=declaration_frame(tables["metrics"], "metric"),
        questions=declaration_frame(tables["questions"], "question"),
        events=events_frame(_event_rows(results)),
        title=results[0].header.get("title", title) if results else "",
        description=results[0].header.get("description", description) if results else "",
        files=[r.file for r in results],
    )
    return base, problems


# Metrics related by part_of must count the same thing in the same way for their figures to be compared.
_SAME_IN_PART = ("unit", "aggregation", "subject")


def _relation_problems(tables: dict[str, dict[str, dict]], defined_in: dict[str, dict[str, str]], locate: Locate):
    """part_of and questions across all files: each names metrics that exist; a part counts in the
    unit, aggregation and subject of its whole; no metric is, through its wholes, part of itself."""
    metrics = tables["metrics"]
    for key, metric in metrics.items():
        whole = metric.get("part_of")
        if not isinstance(whole, str):
            continue
        where = (defined_in["metrics"][key], ("metrics", key, "part_of"))
        if whole not in metrics:
            yield locate(
                *where,
                f"metric '{key}': part_of names an unknown metric '{whole}'{did_you_mean(whole, metrics)}",
                "value",
            )
            continue
        for field in _SAME_IN_PART:
            mine, theirs = metric.get(field), metrics[whole].get(field)
            if mine != theirs and not (field == "subject" and (mine is None or theirs is None)):
                yield locate(
                    *where,
                    f"metric '{key}' is part_of '{whole}', but its {field} is {_shown(mine)} and "
                    f"'{whole}' has {_shown(theirs)}; a part counts the same way as its whole",
                    "value",
                )
        seen, step = [key], whole
        while isinstance(step, str) and step in metrics and step not in seen:
            seen.append(step)
            step = metrics[step].get("part_of")
        if step == key:
            yield locate(
                *where, f"metric '{key}' is, through part_of, part of itself: {' → '.join(seen + [key])}", "value"
            )
    for key, metric in metrics.items():
        adds_up = metric.get("adds_up")
        if isinstance(adds_up, dict):
            yield from _adds_up_problems(key, metric, adds_up, metrics, defined_in["metrics"][key], locate)
    for key, question in tables["questions"].items():
        chosen = question.get("metrics")
        for i, metric in enumerate(chosen if isinstance(chosen, list) else []):
            if isinstance(metric, str) and metric not in metrics:
                yield locate(
                    defined_in["questions"][key],
                    ("questions", key, "metrics", i),
                    f"question '{key}': unknown metric '{metric}'{did_you_mean(metric, metrics)}",
                    "value",
                )


def _adds_up_problems(key: str, metric: dict, adds_up: dict, metrics: dict, file: str, locate: Locate):
    """A running total adds up increments of its own unit (and subject, where both give one)."""
    if metric.get("aggregation") != "cumulative":
        yield locate(
            file,
            ("metrics", key, "adds_up"),
            f"metric '{key}': adds_up belongs to a running total (aggregation cumulative), not "
            f"{_shown(metric.get('aggregation'))}",
            "key",
        )
    gap = adds_up.get("explained_gap")
    if gap is not None:
        try:
            parse_amount(gap)
        except ValueError_ as err:
            yield locate(
                file, ("metrics", key, "adds_up", "explained_gap"), f"metric '{key}': explained_gap: {err}", "value"
            )
    chosen = adds_up.get("metrics")
    for i, part in enumerate(chosen if isinstance(chosen, list) else []):
        where = (file, ("metrics", key, "adds_up", "metrics", i))
        if not isinstance(part, str):
            continue
        if part not in metrics:
            yield locate(
                *where,
                f"metric '{key}': adds_up names an unknown metric '{part}'{did_you_mean(part, metrics)}",
                "value",
            )
            continue
        other = metrics[part]
        if other.get("aggregation") != "increment":
            yield locate(
                *where,
                f"metric '{key}' adds up '{part}', whose aggregation is {_shown(other.get('aggregation'))}: "
                "only increments (one package each) add up to a running total",
                "value",
            )
        for field in ("unit", "subject"):
            mine, theirs = metric.get(field), other.get(field)
            if mine != theirs and not (field == "subject" and (mine is None or theirs is None)):
                yield locate(
                    *where,
                    f"metric '{key}' adds up '{part}', but its {field} is {_shown(mine)} and '{part}' has "
                    f"{_shown(theirs)}",
                    "value",
                )


def _shown(value: object) -> str:
    return f"'{value}'" if value is not None else "not given"


def declaration_frame(table: dict[str, dict], kind: str) -> pd.DataFrame:
    """Sources, claimants or metrics as a frame indexed by id, a column per field."""
    frame = pd.DataFrame.from_dict(table, orient="index") if table else pd.DataFrame()
    frame.index.name = kind
    return frame


EVENT_COLUMNS = ["event_id", "date", "date_text", "label", "source", "note", "file"]


def _event_rows(results: list[FileResult]) -> list[dict]:
    rows = []
    for result in results:
        for _, event in result.events:
            try:
                date: PartialDate | None = parse_date(event.get("date"))
            except ValueError_:
                date = None
            rows.append(
                {
                    "event_id": event.get("id"),
                    "date": date.start if date else None,
                    "date_text": date.text if date else None,
                    "label": event.get("label"),
                    "source": event.get("source"),
                    "note": event.get("note"),
                    "file": result.file,
                }
            )
    return rows


def events_frame(rows: list[dict]) -> pd.DataFrame:
    """Events (rows of EVENT_COLUMNS, the date as YYYY-MM-DD text) as a frame in date order."""
    rows = [{**row, "date": pd.Timestamp(row["date"]) if row["date"] else pd.NaT} for row in rows]
    return pd.DataFrame(rows, columns=EVENT_COLUMNS).sort_values("date", kind="stable").reset_index(drop=True)


_METRIC_COLUMNS = {
    "label": "metric_label",
    "unit": "unit",
    "category": "category",
    "aggregation": "aggregation",
    "definition": "definition",
    "subject": "subject",
    "unit_label": "unit_label",
}
_CLAIMANT_COLUMNS = {
    "name": "claimant_name",
    "short_name": "claimant_short_name",
    "kind": "claimant_kind",
    "affiliation": "claimant_affiliation",
    "party_to_conflict": "party_to_conflict",
}
_SOURCE_COLUMNS = {
    "title": "source_title",
    "publisher": "publisher",
    "url": "url",
    "published": "published",
    "kind": "source_kind",
    "license": "license",
}


def _join(facts: pd.DataFrame, tables: dict[str, dict[str, dict]], keys: dict[str, _Keys]) -> pd.DataFrame:
    """Join each fact's metric, claimant and source attributes on, and derive its interval."""
    # Columns are gathered in a dict and framed once: setting 20 columns on a 100k-row frame one by
    # one cost more than the lookups themselves.
    out = {name: facts[name] for name in facts.columns}
    gathered = []  # (column, its key, each key's attribute, whether it is text): gathered side by side
    for key, table, columns in (
        ("metric", "metrics", _METRIC_COLUMNS),
        ("claimant", "claimants", _CLAIMANT_COLUMNS),
        ("source", "sources", _SOURCE_COLUMNS),
    ):
        for attribute, column in columns.items():
            if column in ("party_to_conflict", "published"):
                continue  # typed below
            read = _READERS.get(column, lambda v, a=attribute: v.get(a))
            gathered.append((column, keys[key], {k: read(v) for k, v in tables[table].items()}, column in TEXT_COLUMNS))
    looked_up = workers.each(lambda job: _lookup(*job[1:]), gathered, rows=len(facts))
    for (column, *_), values in zip(gathered, looked_up, strict=True):
        out[column] = values
    window = {k: v.get("window_days") for k, v in tables["metrics"].items()}
    out["window_days"] = _lookup_typed(keys["metric"], window, _numbers)
    party = {k: v.get("party_to_conflict") is True for k, v in tables["claimants"].items()}
    out["party_to_conflict"] = _lookup_typed(keys["claimant"], party, lambda found: pd.array(found, dtype="boolean"))
    published = {k: _date_start(v.get("published")) for k, v in tables["sources"].items()}
    out["published"] = _lookup_dates(keys["source"], published)
    out["since"] = out["since"].fillna(
        _lookup_dates(keys["metric"], {k: _date_start(v.get("since")) for k, v in tables["metrics"].items()})
    )
    out["stated"] = out["stated"].fillna(out["published"])
    # Each date also as written ("2025-01"), so that nothing shows a day the source did not give.
    published_text = _lookup(
        keys["source"], {k: _date_text(v.get("published")) for k, v in tables["sources"].items()}, text=True
    )
    out["published_text"] = published_text
    out["stated_text"] = _text_or(facts["stated_text"], published_text)
    since_text = _lookup(
        keys["metric"], {k: _date_text(v.get("since")) for k, v in tables["metrics"].items()}, text=True
    )
    out["since_text"] = _text_or(facts["since_text"], since_text)
    value, low, high = out["value"].to_numpy(), out["low"].to_numpy(), out["high"].to_numpy()
    lows, highs = intervals(out["qualifier"], value, low, high)
    out["interval_low"] = pd.Series(lows, index=facts.index)
    out["interval_high"] = pd.Series(highs, index=facts.index)
    upper_bound = out["qualifier"].isin(["at_most", "less_than"]).to_numpy(dtype=bool)
    bound_or_middle = np.where(np.isinf(highs), lows, np.where(upper_bound, highs, (low + high) / 2))
    out["central"] = pd.Series(np.where(~np.isnan(value), value, bound_or_middle), index=facts.index)
    return compact(pd.DataFrame({name: out[name] for name in FRAME_COLUMNS}, index=facts.index, copy=False), copy=False)


@dataclass(frozen=True)
class _Keys:
    """A column of ids (metrics, claimants, sources) factorized once: many attributes are looked up
    by it, and long series repeat the same few ids."""

    index: pd.Index
    codes: np.ndarray  # -1 where no id is given
    uniques: list

    @classmethod
    def of(cls, column: pd.Series) -> _Keys:
        codes, uniques = pd.factorize(column)
        return cls(column.index, codes, uniques.tolist())

    def where(self, test: Callable[[object], bool]) -> np.ndarray:
        """Which rows have an id for which `test` holds (each distinct id tested once)."""
        chosen = [code for code, key in enumerate(self.uniques) if test(key)]
        return np.isin(self.codes, chosen) if chosen else np.zeros(len(self.codes), dtype=bool)

    @functools.cached_property
    def positions(self) -> np.ndarray:
        """For every row, its id's position among `uniques`, or one past them where no id is given:
        what a list of each distinct id's value, with the value of no id at its end, is taken by."""
        return np.where(self.codes < 0, len(self.uniques), self.codes)


def _lookup(keys: _Keys, mapping: dict, text: bool = False) -> pd.Series:
    """`keys.map(mapping)` done once per distinct key and spread by position.
    With `text`, a column of text attributes comes back as strings even when none is given."""
    found = [mapping.get(u) for u in keys.uniques] + [None]  # the last one for code -1: no key
    positions = keys.positions
    # Text is gathered in Arrow: no Python object per row.
    if (text or any(type(v) is str for v in found)) and all(v is None or type(v) is str for v in found):
        # large_string is what pandas keeps text as: built so, the column needs no cast (a copy).
        gathered = pa.array(found, type=pa.large_string()).take(positions)
        return pd.Series(pd.array(gathered, dtype="str"), index=keys.index)
    values = np.empty(len(found), dtype=object)
    values[:] = found
    return pd.Series(values[positions], index=keys.index, dtype=object)


def _numbers(found: pd.Series) -> np.ndarray:
    return pd.to_numeric(found, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _lookup_typed(keys: _Keys, mapping: dict, typed: Callable[[pd.Series], object]) -> pd.Series:
    """`keys.map(mapping)` with the distinct values found made into an array by `typed` (each key's
    value typed once, then spread: no Python object per row)."""
    found = typed(pd.Series([mapping.get(u) for u in keys.uniques] + [None], dtype=object))
    return pd.Series(found.take(keys.positions), index=keys.index)


def _lookup_dates(keys: _Keys, mapping: dict[str, str | None]) -> pd.Series:
    """Dates (YYYY-MM-DD text) looked up by key, parsed once per distinct key."""
    found = pd.to_datetime(np.array([mapping.get(u) for u in keys.uniques] + [None], dtype=object))
    return pd.Series(found[keys.positions], index=keys.index)


def unit_words(metric: dict) -> str | None:
    """How a metric's figures write their unit: its `unit_label` ("tanks"), else its unit ("items");
    a currency always by its unit (the sign or code comes from it)."""
    unit = metric.get("unit")
    return unit if isinstance(unit, str) and is_currency(unit) else metric.get("unit_label") or unit


def short_name(claimant: dict) -> str | None:
    """A claimant's name in a legend: its `short_name`, else its name."""
    return claimant.get("short_name") or claimant.get("name")


def shown_title(source: dict) -> str | None:
    """A source's title as every page shows it: a description (the page's own title not known) in
    square brackets, as an editor marks words of their own."""
    title = source.get("title")
    if title is not None and source.get("title_kind") == "description":
        return f"[{title}]"
    return title


def _date_text(raw: object) -> str | None:
    if raw is None:
        return None
    try:
        return parse_date(raw).text
    except ValueError_:
        return None


def _text_or(given: pd.Series, fallback: pd.Series) -> pd.Series:
    """`given` where it holds text, else `fallback` (both text columns of one index)."""
    given, fallback = given.astype("str"), fallback.astype("str")
    written, other = pa.array(given.array), pa.array(fallback.array)
    if written.null_count in (0, len(written)):  # all given or none (a long series states none): no copy
        return given if not written.null_count else pd.Series(fallback.array, index=given.index)
    return pd.Series(pd.array(pc.coalesce(written, other), dtype="str"), index=given.index)


def _distinct(values: pd.Series) -> int:
    """How many distinct values a column holds, nulls aside (Arrow's hash of text, when it is text:
    twice as fast as pandas' own on a column of several chunks)."""
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return values.nunique()
    found = pc.unique(pa.array(values.array))
    return len(found) - found.null_count


def _date_start(raw: object) -> str | None:
    if raw is None:
        return None
    try:
        return parse_date(raw).start
    except ValueError_:
        return None


FRAME_COLUMNS = [
    "fact_id",
    "metric",
    "metric_label",
    "unit",
    "unit_label",
    "category",
    "aggregation",
    "definition",
    "subject",
    "window_days",
    "value",
    "low",
    "high",
    "central",
    "qualifier",
    "interval_low",
    "interval_high",
    "as_of",
    "as_of_end",
    "as_of_precision",
    "as_of_text",
    "since",
    "since_text",
    "stated",
    "stated_text",
    "claimant",
    "claimant_name",
    "claimant_short_name",
    "claimant_kind",
    "claimant_affiliation",
    "party_to_conflict",
    "source",
    "source_title",
    "publisher",
    "url",
    "published",
    "published_text",
    "source_kind",
    "license",
    "via",
    "quote",
    "stage",
    "note",
    "tags",
    "file",
    "line",
]


# Columns whose value is derived from the table's entry rather than read from one field of it.
_READERS = {"source_title": shown_title, "unit_label": unit_words, "claimant_short_name": short_name}
