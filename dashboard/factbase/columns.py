"""Facts as columns: one typed column per fact field, the schema's rules checked on whole columns,
and the figures and dates of every fact read and checked column by column.

A YAML file's facts arrive as a list of mappings, a fact table's as an Arrow table of text; both end
up here as one frame with a column per field of `schema.Fact`. Checking 100,000 facts one by one
against the schema (pydantic) takes seconds; checking each field's column at once (its Arrow type,
the id pattern, lengths, the allowed words) takes milliseconds. That check may say "not sure"
(`record_columns` gives None), never "fine" for a fact the schema rejects: the facts are then
validated one by one, and the schema's own messages say what is wrong.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.factbase import workers
from dashboard.factbase.messages import short
from dashboard.factbase.schema import FACT_ADAPTER, FACT_FIELDS
from dashboard.factbase.values import PLAIN_NUMBER, PartialDate, ValueError_, parse_amount, parse_date

TEXT = pa.large_string()  # what pandas keeps text as: built so, a column needs no cast (a copy)
TAGS = pa.list_(pa.string())
MAX_FIGURE = 1e18  # no real figure is larger; past this a float no longer holds whole numbers either


# ---- the schema's rules for one fact, as whole-column checks --------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """What `schema.Fact` allows in one field, read from its JSON Schema."""

    types: frozenset[str]  # JSON Schema types: string, integer, number, array
    required: bool
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    item_max_length: int | None = None  # for arrays of text


def _rules() -> dict[str, FieldRule]:
    schema = FACT_ADAPTER.json_schema()
    rules = {}
    for name, prop in schema["properties"].items():
        types = frozenset(p["type"] for p in prop.get("anyOf", [prop]))
        rules[name] = FieldRule(
            types,
            name in schema.get("required", ()),
            prop.get("maxLength"),
            prop.get("pattern"),
            tuple(prop["enum"]) if "enum" in prop else None,
            prop.get("items", {}).get("maxLength"),
        )
    return rules


RULES = _rules()
_TEXT_FIELDS = [n for n, r in RULES.items() if r.types == {"string"}]
_OTHER_FIELDS = [n for n in RULES if n not in _TEXT_FIELDS]
_TEXT_STRUCT = pa.struct([(n, TEXT) for n in _TEXT_FIELDS])
_PYTHON_TYPES = {"string": str, "integer": int, "number": float, "array": list}


def record_columns(facts: list) -> pd.DataFrame | None:
    """The facts (mappings, as parsed from YAML) as one typed column per field, indexed by their
    position in the list, when every fact certainly passes the schema; None when one may not.

    Text fields are Arrow text; a figure column is float64 when every figure is a number, Arrow text
    when every one is text, Python objects when they mix (so are dates that mix text and years);
    tags are Arrow lists.
    """
    if set(map(type, facts)) - {dict}:
        return None
    try:
        texts = pa.array(facts, type=_TEXT_STRUCT)  # a number, a list or true where text belongs raises
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    columns: dict[str, pd.Series | pa.Array] = {n: texts.field(n) for n in _TEXT_FIELDS}
    given = sum(len(a) - a.null_count for a in columns.values())
    for name in _OTHER_FIELDS:
        values = list(map(dict.get, facts, itertools.repeat(name)))
        column = _typed(values, RULES[name])
        if column is None:
            return None
        columns[name] = column
        given += len(values) - values.count(None)
    # More keys than values read means a key the schema does not know (no column reads it), or one
    # written with no value (`via:` is None, which the schema refuses where a key may be left out
    # but not left empty).
    if sum(map(len, facts)) != given:
        return None
    return checked_frame(columns, len(facts))


def checked_frame(columns: dict[str, pa.Array | list], length: int) -> pd.DataFrame | None:
    """One column per fact field (a field without a column has no values), when every value passes
    the schema's rules for its field; None when one may not."""
    given = []
    for name, rule in RULES.items():
        column = columns.get(name)
        if column is None:
            if rule.required and length:
                return None
            columns[name] = pa.nulls(length, type=pa.list_(TEXT) if "array" in rule.types else TEXT)
        else:
            given.append((column, rule))
    if not all(workers.each(lambda checked: _passes(*checked), given, rows=length)):
        return None
    index = pd.RangeIndex(length)
    return pd.DataFrame({name: _series(columns[name], index) for name in FACT_FIELDS}, index=index)


def _typed(values: list, rule: FieldRule) -> pa.Array | list | None:
    """A non-text field's values as an Arrow array when they share a type (text, figures, tags), else
    as they are: Python objects, read one by one later (figures that mix numbers and text, dates that
    mix text and years, a figure that is NaN or absurd, which is then named). None when a value has a
    type the field does not allow."""
    kinds = set(map(type, values))
    if kinds - {type(None)} - {_PYTHON_TYPES[t] for t in rule.types}:
        return None
    if "array" in rule.types:
        try:
            return pa.array(values, type=pa.list_(TEXT))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    if kinds <= {str, type(None)}:
        return pa.array(values, type=TEXT)
    if kinds <= {int, float, type(None)} and "number" in rule.types:
        try:
            numbers = pa.array(values, type=pa.float64())
        except (pa.ArrowInvalid, OverflowError):  # an int too large for a float
            return values
        given = numbers.drop_null().to_numpy()
        if np.all(np.abs(given) <= MAX_FIGURE):  # False for NaN and infinity too
            return numbers
    return values


def _passes(column: pa.Array | list, rule: FieldRule) -> bool:
    if isinstance(column, list):
        if rule.required and None in column:
            return False
        texts = [v for v in column if type(v) is str]
        column = pa.array(texts, type=TEXT)
    elif rule.required and column.null_count:
        return False
    if pa.types.is_list(column.type):
        column = pc.list_flatten(column)
        if column.null_count:  # `tags: [a, null]`
            return False
        limit = rule.item_max_length
    else:
        limit = rule.max_length
    if not pa.types.is_large_string(column.type) or not len(column) - column.null_count:
        return True
    # A text's length in bytes (read off its offsets) bounds its length in characters: only a column
    # with a text longer in bytes than the limit has its characters counted.
    if limit is not None and pc.max(pc.binary_length(column)).as_py() > limit:
        if pc.max(pc.utf8_length(column)).as_py() > limit:
            return False
    if rule.pattern is not None and not pc.all(pc.match_substring_regex(column, rule.pattern)).as_py():
        return False
    return rule.choices is None or pc.all(pc.is_in(column.drop_null(), pa.array(rule.choices, type=TEXT))).as_py()


def _series(column: pa.Array | list, index: pd.RangeIndex) -> pd.Series:
    if isinstance(column, list):
        values = np.empty(len(column), dtype=object)
        values[:] = column
        return pd.Series(values, index=index, dtype=object)
    if pa.types.is_list(column.type):
        return tags_series(column, index)
    if pa.types.is_floating(column.type):
        return pd.Series(column.to_numpy(zero_copy_only=False), index=index, dtype="float64")
    return pd.Series(pd.array(column, dtype="str"), index=index)


def tags_series(column: pa.Array, index: pd.Index) -> pd.Series:
    """Tags as Arrow lists of text; an empty list is no tags, as in a file that leaves them out."""
    column = column.cast(TAGS)
    empty = pc.equal(pc.list_value_length(column), 0)
    return pd.Series(pd.array(pc.if_else(empty, pa.scalar(None, TAGS), column), dtype=pd.ArrowDtype(TAGS)), index=index)


def facts_pass_schema(facts: list) -> bool:
    """True only if every fact certainly passes `schema.Fact` (False: check them one by one)."""
    return record_columns(facts) is not None


def records_frame(records: list[dict], positions: list[int]) -> pd.DataFrame:
    """Facts as a frame of plain Python objects, one column per schema field (no type inference:
    the checks below decide what each column holds). For facts the schema has checked one by one."""
    index = pd.Index(positions, dtype="int64")
    frame = {}
    for name in FACT_FIELDS:
        values = np.empty(len(records), dtype=object)
        values[:] = [record.get(name) for record in records]
        frame[name] = pd.Series(values, index=index, dtype=object, copy=False)
    return pd.DataFrame(frame, index=index, copy=False)


TEXT_COLUMNS = [
    "fact_id",
    "metric",
    "metric_label",
    "unit",
    "unit_label",
    "category",
    "aggregation",
    "definition",
    "subject",
    "qualifier",
    "as_of_precision",
    "as_of_text",
    "since_text",
    "stated_text",
    "published_text",
    "claimant",
    "claimant_name",
    "claimant_short_name",
    "claimant_kind",
    "claimant_affiliation",
    "source",
    "source_title",
    "publisher",
    "url",
    "source_kind",
    "license",
    "via",
    "quote",
    "stage",
    "note",
    "file",
]


def compact(frame: pd.DataFrame, copy: bool = True) -> pd.DataFrame:
    """Text as Arrow-backed strings and tags as Arrow lists: a cached fact base then loads in
    milliseconds (no per-object unpickling) and filters faster. Without `copy`, `frame` (the
    caller's own) is changed in place."""
    frame = frame.copy() if copy else frame
    for column in TEXT_COLUMNS:
        if column in frame and frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    if "tags" in frame and frame["tags"].dtype == object:
        tags = [list(t) if isinstance(t, (list, tuple)) and t else None for t in frame["tags"].tolist()]
        frame["tags"] = pd.Series(pd.array(tags, dtype=pd.ArrowDtype(pa.list_(pa.string()))), index=frame.index)
    return frame


def empty_facts() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in FACT_FIELDS})


# ---- figures and dates, read and checked column by column ------------------------------------------

Problems = list[tuple[tuple, str, str]]  # (node path, message, "key"|"value")


def normalise_facts(frame: pd.DataFrame) -> tuple[pd.DataFrame, Problems]:
    """Numbers, dates and qualifiers of every fact, checked column-wise; returns problems by node path.

    The columns are gathered in a dict of arrays and framed once: a DataFrame set column by column,
    and pandas operators on its Series, cost more on a file of ten facts than the work itself."""
    problems: Problems = []
    ids = frame["id"]

    def report(item: int, name: str, message: str) -> None:
        fact_id = ids.get(item)
        label = f"'{fact_id}'" if isinstance(fact_id, str) else f"#{int(item) + 1}"  # a bad id was left out
        problems.append((("facts", int(item), name), f"fact {label}: {message}", "value"))

    index = frame.index
    out: dict[str, object] = {"fact_id": ids}
    for name in ("metric", "claimant", "source", "via", "quote", "stage", "note"):
        out[name] = frame[name]
    qualifier = frame["qualifier"].fillna("exact")
    out["qualifier"] = qualifier
    out["tags"] = frame["tags"]  # a list of strings, or None

    written_in = []  # each figure column's currencies: the first given in value, low, high is the fact's
    unreadable: set = set()  # facts with a figure that could not be read: the rules below would only restate it
    figures = {}
    figure_columns = ("value", "low", "high")
    read = workers.each(amount_column, [frame[name] for name in figure_columns], rows=len(frame))
    for name, (numbers, currencies, errors) in zip(figure_columns, read, strict=True):
        figures[name] = numbers.to_numpy()
        out[name] = numbers
        written_in.append(pa.array(currencies.array))
        for item, message in errors.items():
            report(item, name, f"{name} {message}")
        unreadable.update(errors)
    out["value_currency"] = pd.Series(pd.array(pc.coalesce(*written_in), dtype="str"), index=index)

    value, low, high = figures["value"], figures["low"], figures["high"]
    among = _membership(qualifier)
    lower_bound, upper_bound = among("at_least", "more_than"), among("at_most", "less_than")
    with np.errstate(invalid="ignore"):  # NaN compares False: a figure not given breaks no rule
        rules = [
            (
                frame["value"].isna().to_numpy(dtype=bool)
                & frame["low"].isna().to_numpy(dtype=bool)
                & frame["high"].isna().to_numpy(dtype=bool),
                "value",
                "has no value: give value, or low and high for a range",
            ),
            (value < 0, "value", "is negative: figures are magnitudes (money, people, items)"),
            (low < 0, "low", "low is negative: figures are magnitudes (money, people, items)"),
            ((high < 0) & ~(low < 0), "high", "high is negative: figures are magnitudes (money, people, items)"),
            (low > high, "low", "low is greater than high"),
            ((value < low) | (value > high), "value", "value lies outside its range [low, high]"),
            (
                lower_bound & ~np.isnan(high),
                "high",
                "qualifier says the figure is only a lower bound, but high is given; use low and high with exact "
                "or approximately for a range",
            ),
            (
                upper_bound & ~np.isnan(low),
                "low",
                "qualifier says the figure is only an upper bound, but low is given; use low and high with exact "
                "or approximately for a range",
            ),
            (
                among("exact", "approximately") & np.isnan(value) & (np.isnan(low) != np.isnan(high)),
                "low",
                "a range needs both low and high (or say at_least / at_most for an open-ended figure)",
            ),
            (
                lower_bound & ~np.isnan(value) & ~np.isnan(low) & (value != low),
                "low",
                "qualifier makes value the lower bound, but low differs from it; give one of them",
            ),
            (
                upper_bound & ~np.isnan(value) & ~np.isnan(high) & (value != high),
                "high",
                "qualifier makes value the upper bound, but high differs from it; give one of them",
            ),
        ]
    for mask, name, message in rules:
        if mask.any():
            for item in index[mask]:
                if item not in unreadable:
                    report(item, name, message)

    date_columns = ("as_of", "since", "stated")
    dates = workers.each(date_column, [frame[name] for name in date_columns], rows=len(frame))
    for name, (parsed, errors) in zip(date_columns, dates, strict=True):
        for item, message in errors.items():
            report(item, name, f"{name} {message}")
        out[name + "_text"] = parsed.text
        out[name] = parsed.start
        if name == "as_of":
            out["as_of_end"] = parsed.end
            out["as_of_precision"] = parsed.precision
    since, as_of_end = out["since"], out["as_of_end"]
    late_since = ~np.isnat(since) & ~np.isnat(as_of_end) & (since > as_of_end)  # type: ignore[operator]
    for item in index[late_since]:
        report(item, "since", "since is after as_of: a running total cannot start after the date it refers to")
    return pd.DataFrame(out, index=index, copy=False), problems


def _membership(column: pd.Series):
    """A test of which rows of a text column hold one of some words, each distinct text looked at once."""
    codes, uniques = pd.factorize(column)
    known = uniques.tolist()

    def among(*words: str) -> np.ndarray:
        chosen = [code for code, text in enumerate(known) if text in words]
        return np.isin(codes, chosen) if chosen else np.zeros(len(codes), dtype=bool)

    return among


def _text_array(column: pd.Series) -> pa.Array | None:
    """An Arrow-backed text column's values as one Arrow array (no copy when it is one chunk)."""
    if not isinstance(column.dtype, pd.StringDtype) or column.dtype.storage != "pyarrow":
        return None
    values = pa.array(column.array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def amount_column(column: pd.Series) -> tuple[pd.Series, pd.Series, dict[int, str]]:
    """Read a column of figures (numbers, curator strings, or both); returns values, currencies, and
    errors by item. Every text is read by `values.parse_amount`, except plain decimals ("1200",
    "1,200", "3.85"), which Arrow casts in one go to the same numbers."""
    index = column.index
    labels = index.to_numpy()
    numbers = np.full(len(column), math.nan)
    currencies = np.full(len(column), None, dtype=object)
    errors: dict[int, str] = {}

    def currency_column(found: bool = False) -> pd.Series:  # as text; made without a pass when none was found
        if not found:
            return pd.Series(pd.array(pa.nulls(len(column), TEXT), dtype="str"), index=index)
        return pd.Series(pd.array(currencies, dtype="str"), index=index)

    if column.dtype == np.float64:  # numbers only (checked finite and sane), NaN where none is given
        return column.astype("float64"), currency_column(), errors
    arrow = _text_array(column)
    if arrow is not None:  # text only
        given = np.flatnonzero(pc.is_valid(arrow).to_numpy(zero_copy_only=False)) if arrow.null_count else None
        texts = arrow.drop_null() if arrow.null_count else arrow
    else:  # Python objects: numbers, texts and None mixed
        raw_values = column.tolist()
        kinds = np.array(list(map(type, raw_values)), dtype=object)
        numeric = np.isin(kinds, [int, float])
        if numeric.any():
            picked = [v for v, n in zip(raw_values, numeric, strict=True) if n]
            try:
                numbers[numeric] = np.array(picked, dtype="float64")
            except OverflowError:
                numbers[numeric] = [float(v) if abs(v) < 1e300 else math.inf for v in picked]
            with np.errstate(invalid="ignore"):
                bad = numeric & ~(np.abs(numbers) <= MAX_FIGURE)  # NaN, infinity and the absurd
            for at in np.flatnonzero(bad):
                errors[labels[at]] = _unusable_number(raw_values[at])
                numbers[at] = math.nan
        given = np.flatnonzero(~numeric & np.not_equal(kinds, type(None)))
        texts = pa.array([raw_values[at] for at in given], type=TEXT)
    if not len(texts):
        return pd.Series(numbers, index=index), currency_column(), errors
    at = given if given is not None else np.arange(len(texts))  # each text's position in the column
    plain = pc.fill_null(pc.match_substring_regex(texts, PLAIN_NUMBER), False).to_numpy(zero_copy_only=False)
    if plain.any():
        where = at[plain]
        digits = pc.replace_substring(texts.filter(pa.array(plain)) if not plain.all() else texts, ",", "")
        cast = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
        numbers[where] = cast
        with np.errstate(invalid="ignore"):
            absurd = ~(np.abs(cast) <= MAX_FIGURE)
        for position in where[absurd]:  # parse_amount refuses these: its words
            try:
                parse_amount(column.iloc[position])
            except ValueError_ as err:
                errors[labels[position]] = str(err)
            numbers[position] = math.nan
    if not plain.all():
        rest = texts.filter(pa.array(~plain))
        where = at[~plain]
        codes, uniques = pd.factorize(pd.Series(pd.array(rest, dtype="str")))
        parsed = []
        for code, raw in enumerate(uniques.tolist()):
            try:
                parsed.append(parse_amount(raw))
            except ValueError_ as err:
                parsed.append((math.nan, None))
                for position in where[codes == code]:
                    errors[labels[position]] = str(err)
        numbers[where] = np.array([p[0] for p in parsed], dtype="float64")[codes]
        currencies[where] = np.array([p[1] for p in parsed] + [None], dtype=object)[codes]
        return pd.Series(numbers, index=index), currency_column(found=any(p[1] for p in parsed)), errors
    return pd.Series(numbers, index=index), currency_column(), errors


def _unusable_number(raw: float | int) -> str:
    if isinstance(raw, float) and math.isnan(raw):
        return "is NaN (not a number); give the figure, or leave the key out"
    if isinstance(raw, float) and math.isinf(raw):
        return (
            "is infinite or far too large (.inf, 1e400 and numbers of over 1,000 digits read as infinity); "
            "figures are finite"
        )
    return f"{short(raw)} is too large to be a real figure (over 10^18)"


@dataclass(frozen=True)
class DateColumn:
    """A column of partial dates, read: each as written, the period it names, and its precision."""

    text: pd.Series  # as written ("2025-01")
    start: np.ndarray  # datetime64[us], NaT where none is given
    end: np.ndarray
    precision: pd.Series  # "day", "month" or "year"


def date_column(column: pd.Series) -> tuple[DateColumn, dict[int, str]]:
    """Parse a column of partial dates; each distinct value is parsed once (long series repeat dates)
    and spread over the rows by position."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # Arrow text factorizes without Python objects
    errors: dict[int, str] = {}
    parsed: list[PartialDate | None] = []
    labels = column.index.to_numpy()
    for code, raw in enumerate(uniques.tolist()):
        try:
            parsed.append(parse_date(raw))
        except ValueError_ as err:
            parsed.append(None)
            for at in np.flatnonzero(codes == code):
                errors[labels[at]] = str(err)
    parsed.append(None)  # code -1: no date given
    positions = np.where(codes < 0, len(parsed) - 1, codes)

    def texts(values: list[str | None]) -> pd.Series:
        gathered = pa.array(values, type=TEXT).take(pa.array(positions))
        return pd.Series(pd.array(gathered, dtype="str"), index=column.index)

    def days(values: list[str | None]) -> np.ndarray:
        return np.array(values, dtype="datetime64[us]")[positions]

    return (
        DateColumn(
            text=texts([d.text if d else None for d in parsed]),
            start=days([d.start if d else None for d in parsed]),
            end=days([d.end if d else None for d in parsed]),
            precision=texts([d.precision if d else None for d in parsed]),
        ),
        errors,
    )
