"""Reading fact files into a FactBase: includes, validation with located problems, caching.

Each file is checked on its own (parse, schema, values and dates) and the result is cached by
content hash; the files are then assembled (ids unique across files, references resolved,
attributes joined) into one tidy frame. A problem found anywhere is located to file:line:column;
the precise, slower YAML parse runs only for files that have problems.
"""

from __future__ import annotations

import difflib
import gc
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from dashboard.factbase import cache, factscan, halves
from dashboard.factbase.errors import FactBaseError, Problem
from dashboard.factbase.model import FactBase
from dashboard.factbase.schema import FILE_ADAPTER, SECTIONS, Fact, fact_columns, facts_pass_schema, fields_of
from dashboard.factbase.values import PartialDate, ValueError_, intervals, is_currency, parse_amount, parse_date
from dashboard.factbase.yamltext import Located, YamlProblems, decode, parse_checked, parse_fast


def _code_version() -> str:
    """Cached results are only as good as the code that made them: key them on its source too."""
    here = Path(__file__).parent
    names = ("loader.py", "values.py", "schema.py", "yamltext.py", "factscan.py", "_factscan.c")
    code = b"".join((here / name).read_bytes() for name in names if (here / name).exists())  # no .c in a wheel
    return cache.digest(code)[:12]


LOADER_VERSION = _code_version()
FACT_FIELDS = fields_of(Fact)
DECLARATIONS = ("sources", "claimants", "metrics")
_KIND_OF = {"sources": "source", "claimants": "claimant", "metrics": "metric", "facts": "fact", "events": "event"}


# ---- one file ----------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What one file holds after its own checks; picklable, cached by content hash."""

    file: str
    digest: str
    header: dict
    includes: list[tuple[str, tuple]]  # (path as written, node path for locating it)
    declarations: dict[str, dict[str, dict]]
    events: list[tuple[int, dict]]
    facts: pd.DataFrame
    problems: list[tuple[tuple, str, str]]  # (node path, message, "key"|"value")
    fatal: list[Problem] = field(default_factory=list)  # problems already located (syntax, encoding)
    keys: tuple[str, ...] = ()  # its top-level keys, as written


def read_file(path: Path, file: str, data: bytes | None, digest: str | None = None) -> FileResult:
    """Check one file on its own; cached by its content and the name it is shown under. `data` is
    None when the file is known unchanged and only its digest is at hand."""
    digest = digest or cache.digest(data)
    cached = cache.get(_file_key(digest, file))
    if isinstance(cached, FileResult):
        return cached
    if data is None:  # known unchanged by its signature (see _read), but its result is not cached
        data = path.read_bytes()
        digest = cache.digest(data)
    result = _check_file(file, data, digest)
    cache.put(_file_key(digest, file), result)
    return result


def _file_key(digest: str, file: str) -> str:
    return f"file-{LOADER_VERSION}-{cache.digest(f'{digest}:{file}'.encode())}"


def _check_file(file: str, data: bytes, digest: str) -> FileResult:
    try:
        text = decode(data, file)
    except YamlProblems as err:
        return _unreadable(file, digest, err.problems)
    scanned = _check_scanned(file, digest, data)
    if scanned is not None:
        return scanned
    if len(data) >= halves.SPLIT_BYTES and halves.can_fork():
        merged = _check_halves(file, digest, text)
        if merged is not None:
            return merged
    return _check_text(file, digest, text)


def _unreadable(file: str, digest: str, problems: list[Problem]) -> FileResult:
    return FileResult(file, digest, {}, [], {s: {} for s in DECLARATIONS}, [], _empty_facts(), [], problems)


def _check_scanned(file: str, digest: str, data: bytes) -> FileResult | None:
    """A clean file whose facts the C scanner read as columns (see factscan.py); None for any other.
    `data` has passed `decode` (UTF-8, no control characters): the scanner relies on it."""
    scanned = factscan.scan(data)
    if scanned is None:
        return None
    try:
        FILE_ADAPTER.validate_python(scanned.parsed)
    except ValidationError:
        return None
    result = _check_parsed(file, digest, scanned.parsed, [], {}, scanned.facts, scanned.lines)
    return result if not result.problems else None


def _check_halves(file: str, digest: str, text: str) -> FileResult | None:
    """A long file checked as two halves on two cores (see halves.py); None unless both are clean."""
    cut = halves.split_facts(text)
    if cut is None:
        return None
    first_text, rest_text = cut
    started = time.monotonic()
    waiting = halves.in_child(_check_text, file, digest, rest_text)
    first = _check_text(file, digest, first_text)
    # The halves are the same size: a child far slower than this one is stuck, not busy.
    rest = waiting(max(10.0, 4 * (time.monotonic() - started)))
    if (rest is None or first.problems or first.fatal or rest.problems or rest.fatal
            or set(first.keys) & set(rest.keys) != {"schema_version", "facts"}):
        return None
    rest.facts["item"] += len(first.facts)
    return FileResult(
        file, digest, {**first.header, **rest.header}, first.includes + rest.includes,
        {name: {**first.declarations[name], **rest.declarations[name]} for name in DECLARATIONS},
        first.events + rest.events, pd.concat([first.facts, rest.facts], ignore_index=True), [], [],
        keys=tuple(dict.fromkeys(first.keys + rest.keys)))


def _check_text(file: str, digest: str, text: str) -> FileResult:
    empty = _unreadable(file, digest, [])
    try:
        parsed = parse_fast(text)
        found: list[Problem] = []
        if parsed is None:
            parsed, _, found = parse_checked(text, file)
            empty.fatal = found
    except YamlProblems as err:
        empty.fatal = err.problems
        return empty
    if parsed is None:
        empty.fatal = [Problem(file, 1, 1, "the file is empty; a fact file needs at least 'schema_version: 1'")]
        return empty
    if not isinstance(parsed, dict):
        empty.fatal = [Problem(file, 1, 1, f"the top level must be a mapping of keys (schema_version, sources, "
                                           f"facts, ...), not {_type_name(parsed)}")]
        return empty

    problems: list[tuple[tuple, str, str]] = []
    bad_fields: dict[int, set] = {}  # fact position -> its keys that failed the schema
    try:
        # Long fact lists that pass the column-wise gate skip the per-fact schema walk; anything the
        # gate is unsure of is validated in full, so that the messages come from the schema.
        facts = parsed.get("facts")
        columns = fact_columns(facts) if isinstance(facts, list) and all(type(f) is dict for f in facts) else None
        if columns is not None and facts_pass_schema(facts, columns):
            FILE_ADAPTER.validate_python({**parsed, "facts": []})
        else:
            FILE_ADAPTER.validate_python(parsed)
    except ValidationError as err:
        for path, message, where in _explain(err, parsed):
            problems.append((path, message, where))
            if len(path) >= 2 and path[0] == "facts" and isinstance(path[1], int):
                bad_fields.setdefault(path[1], set()).add(path[2] if len(path) > 2 else None)

    facts_raw = parsed.get("facts") if isinstance(parsed.get("facts"), list) else []
    # Facts that failed the schema are still checked, without their failing keys, so that one run
    # reports every problem; a file with any problem never reaches a FactBase.
    if bad_fields or not all(isinstance(f, dict) for f in facts_raw):
        good = [(i, f if i not in bad_fields else {k: v for k, v in f.items()
                                                   if k in FACT_FIELDS and k not in bad_fields[i]})
                for i, f in enumerate(facts_raw) if isinstance(f, dict) and None not in bad_fields.get(i, ())]
        positions, records = [i for i, _ in good], [f for _, f in good]
        frame = _records_frame(fact_columns(records), positions)
    else:
        frame = _records_frame(columns or fact_columns(facts_raw), list(range(len(facts_raw))))
    lines = _fact_lines(text, len(facts_raw), frame.index.to_numpy(), file)
    return _check_parsed(file, digest, parsed, found, bad_fields, frame, lines, problems)


def _check_parsed(file: str, digest: str, parsed: dict, found: list[Problem], bad_fields: dict[int, set],
                  frame: pd.DataFrame, lines: np.ndarray,
                  problems: list[tuple[tuple, str, str]] | None = None) -> FileResult:
    """The checks after parsing, the same for both ways in: declarations, events, and the facts'
    figures and dates (`frame`: one column per fact field, indexed by position in the list)."""
    problems = problems if problems is not None else []
    bad_events = {path[1] for path, _, _ in problems if len(path) >= 2 and path[0] == "events"}
    sections = {name: parsed.get(name) for name in SECTIONS}

    header = {k: parsed.get(k) for k in ("schema_version", "title", "description") if isinstance(parsed.get(k), str)}
    includes = []
    if isinstance(parsed.get("include"), list):
        includes = [(p, ("include", i)) for i, p in enumerate(parsed["include"]) if isinstance(p, str)]

    declarations: dict[str, dict[str, dict]] = {}
    for name in DECLARATIONS:
        section = sections[name] if isinstance(sections[name], dict) else {}
        declarations[name] = {key: (value if isinstance(value, dict) else {}) for key, value in section.items()
                              if isinstance(key, str)}
        for key, value in declarations[name].items():
            problems.extend(_check_declaration(name, key, value))

    events = []
    if isinstance(sections["events"], list):
        for i, event in enumerate(sections["events"]):
            if isinstance(event, dict) and i not in bad_events:
                events.append((i, event))
                if "date" in event:
                    problems.extend(_date_problem(("events", i, "date"), event["date"]))

    frame, fact_problems = _normalise_facts(frame)
    problems.extend(p for p in fact_problems if not _follows_from(p[0], bad_fields))
    frame["file"] = file
    frame["item"] = frame.index.to_numpy()
    frame["line"] = lines
    frame = frame.reset_index(drop=True)
    frame = _compact(frame)  # compact in the per-file cache, fast to factorize and merge
    return FileResult(file, digest, header, includes, declarations, events, frame, problems, found,
                      keys=tuple(k for k in parsed if isinstance(k, str)))


_VALUE_FIELDS = {"value", "low", "high", "qualifier"}


def _follows_from(path: tuple, bad_fields: dict[int, set]) -> bool:
    """Whether a fact's problem only restates a schema error already reported for the same figure."""
    bad = bad_fields.get(path[1], set())
    name = path[2]
    return bool(bad & (_VALUE_FIELDS if name in _VALUE_FIELDS else {name}))


def _records_frame(columns: dict[str, list], positions: list[int]) -> pd.DataFrame:
    """Facts as a frame of plain Python objects, one column per schema field (no type inference:
    the checks below decide what each column holds)."""
    index = pd.Index(positions, dtype="int64")
    frame = {}
    for name in FACT_FIELDS:
        values = np.empty(len(positions), dtype=object)
        values[:] = columns[name]
        frame[name] = pd.Series(values, index=index, dtype=object, copy=False)
    return pd.DataFrame(frame, index=index, copy=False)


def _empty_facts() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in FACT_FIELDS})


def _check_declaration(section: str, key: str, value: dict) -> list[tuple[tuple, str, str]]:
    problems = []
    for name in ("url", "archive_url"):
        if isinstance(value.get(name), str) and not _is_web_address(value[name]):
            problems.append(((section, key, name), f"{_KIND_OF[section]} '{key}': {name} '{_short(value[name])}' "
                                                   "is not an http:// or https:// address", "value"))
    for name in ("published", "accessed", "since"):
        if name in value:
            problems.extend(_date_problem((section, key, name), value[name], f"{_KIND_OF[section]} '{key}': {name}"))
    return problems


def _date_problem(path: tuple, raw: object, what: str | None = None) -> list[tuple[tuple, str, str]]:
    try:
        parse_date(raw)
    except ValueError_ as err:
        return [(path, f"{what or path[-1]} {err}", "value")]
    return []


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url.strip())


# ---- facts of one file, checked as columns --------------------------------------------------------


def _normalise_facts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[tuple, str, str]]]:
    """Numbers, dates and qualifiers of every fact, checked column-wise; returns problems by node path."""
    problems: list[tuple[tuple, str, str]] = []
    ids = frame["id"]

    def report(item: int, name: str, message: str) -> None:
        fact_id = ids.get(item)
        label = f"'{fact_id}'" if isinstance(fact_id, str) else f"#{int(item) + 1}"  # a bad id was left out
        problems.append((("facts", int(item), name), f"fact {label}: {message}", "value"))

    out = pd.DataFrame(index=frame.index)
    out["fact_id"] = ids
    for name in ("metric", "claimant", "source", "via", "quote", "stage", "note"):
        out[name] = frame[name]
    out["qualifier"] = frame["qualifier"].where(frame["qualifier"].notna(), "exact")
    out["tags"] = frame["tags"]  # a list of strings, or None

    currency = pd.Series(None, index=frame.index, dtype=object)
    unreadable: set = set()  # facts with a figure that could not be read: the rules below would only restate it
    for name in ("value", "low", "high"):
        numbers, currencies, errors = _amount_column(frame[name])
        out[name] = numbers
        currency = currency.where(currency.notna(), currencies)
        for item, message in errors.items():
            report(item, name, f"{name} {message}")
        unreadable.update(errors)
    out["value_currency"] = currency

    value, low, high = out["value"], out["low"], out["high"]
    qualifier = out["qualifier"]
    rules = [
        (frame["value"].isna() & frame["low"].isna() & frame["high"].isna(), "value",
         "has no value: give value, or low and high for a range"),
        (value < 0, "value", "is negative: figures are magnitudes (money, people, items)"),
        (low < 0, "low", "low is negative: figures are magnitudes (money, people, items)"),
        ((high < 0) & ~(low < 0), "high", "high is negative: figures are magnitudes (money, people, items)"),
        (low > high, "low", "low is greater than high"),
        ((value < low) | (value > high), "value", "value lies outside its range [low, high]"),
        (qualifier.isin(["at_least", "more_than"]) & high.notna(), "high",
         "qualifier says the figure is only a lower bound, but high is given; use low and high with exact "
         "or approximately for a range"),
        (qualifier.isin(["at_most", "less_than"]) & low.notna(), "low",
         "qualifier says the figure is only an upper bound, but low is given; use low and high with exact "
         "or approximately for a range"),
        (qualifier.isin(["exact", "approximately"]) & value.isna() & (low.isna() != high.isna()), "low",
         "a range needs both low and high (or say at_least / at_most for an open-ended figure)"),
        (qualifier.isin(["at_least", "more_than"]) & value.notna() & low.notna() & (value != low), "low",
         "qualifier makes value the lower bound, but low differs from it; give one of them"),
        (qualifier.isin(["at_most", "less_than"]) & value.notna() & high.notna() & (value != high), "high",
         "qualifier makes value the upper bound, but high differs from it; give one of them"),
    ]
    for mask, name, message in rules:
        for item in frame.index[mask.fillna(False).to_numpy(dtype=bool)]:
            if item not in unreadable:
                report(item, name, message)

    for name in ("as_of", "since", "stated"):
        parsed, errors = _date_column(frame[name])
        for item, message in errors.items():
            report(item, name, f"{name} {message}")
        out[name + "_text"] = parsed["text"]
        out[name] = parsed["start"]
        if name == "as_of":
            out["as_of_end"] = parsed["end"]
            out["as_of_precision"] = parsed["precision"]
    late_since = out["since"].notna() & out["as_of"].notna() & (out["since"] > out["as_of_end"])
    for item in frame.index[late_since.to_numpy(dtype=bool)]:
        report(item, "since", "since is after as_of: a running total cannot start after the date it refers to")
    return out, problems


def _amount_column(column: pd.Series) -> tuple[pd.Series, pd.Series, dict[int, str]]:
    """Parse a column of numbers and curator strings; returns values, currencies, errors by item."""
    currencies = pd.Series(None, index=column.index, dtype=object)
    if column.dtype == np.float64:  # from the scanner (factscan.py): numbers only, NaN where none is given
        numbers = column.astype("float64")
        bad = np.isinf(numbers.to_numpy()) | (numbers.abs().to_numpy() > 1e18)
        errors = {item: _unusable_number(float(column[item])) for item in column.index[bad]}
        numbers[bad] = math.nan
        return numbers, currencies, errors
    raw_values = column.tolist()
    numeric = np.fromiter((type(v) is int or type(v) is float for v in raw_values), dtype=bool, count=len(raw_values))
    numbers = pd.Series(math.nan, index=column.index, dtype="float64")
    errors: dict[int, str] = {}
    if numeric.any():
        try:
            numbers[numeric] = np.array([v for v, n in zip(raw_values, numeric, strict=True) if n], dtype="float64")
        except OverflowError:
            numbers[numeric] = [float(v) if abs(v) < 1e300 else math.inf
                                for v, n in zip(raw_values, numeric, strict=True) if n]
        bad = numeric & (~np.isfinite(numbers.to_numpy()) | (numbers.abs().to_numpy() > 1e18))
        for item in column.index[bad]:
            errors[item] = _unusable_number(column[item])
            numbers[item] = math.nan
    if numeric.all():
        return numbers, currencies, errors
    parsed: dict = {}
    column = column[~numeric]
    for raw in dict.fromkeys(column.dropna().tolist()):
        try:
            parsed[raw] = parse_amount(raw)
        except ValueError_ as err:
            parsed[raw] = (math.nan, None)
            for item in column.index[column.map(lambda v, raw=raw: type(v) is type(raw) and v == raw)]:
                errors[item] = str(err)
    present = column.index[column.notna().to_numpy(dtype=bool)]
    numbers[present] = [parsed[v][0] for v in column[present].tolist()]
    currencies[present] = [parsed[v][1] for v in column[present].tolist()]
    return numbers, currencies, errors


def _unusable_number(raw: float | int) -> str:
    if isinstance(raw, float) and math.isnan(raw):
        return "is NaN (not a number); give the figure, or leave the key out"
    if isinstance(raw, float) and math.isinf(raw):
        return ("is infinite or far too large (.inf, 1e400 and numbers of over 1,000 digits read as infinity); "
                "figures are finite")
    return f"{_short(raw)} is too large to be a real figure (over 10^18)"


def _date_column(column: pd.Series) -> tuple[pd.DataFrame, dict[int, str]]:
    """Parse a column of partial dates; each distinct value is parsed once (long series repeat dates)
    and the parsed table is then spread over the rows by position."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # Arrow text factorizes without Python objects
    errors: dict[int, str] = {}
    parsed: list[PartialDate | None] = []
    for code, raw in enumerate(uniques.tolist()):
        try:
            parsed.append(parse_date(raw))
        except ValueError_ as err:
            parsed.append(None)
            for item in column.index[codes == code]:
                errors[item] = str(err)
    parsed.append(None)  # code -1: no date given
    table = pd.DataFrame({
        "text": pd.array([d.text if d else None for d in parsed], dtype="str"),
        "start": pd.to_datetime(np.array([d.start if d else None for d in parsed], dtype=object)),
        "end": pd.to_datetime(np.array([d.end if d else None for d in parsed], dtype=object)),
        "precision": pd.array([d.precision if d else None for d in parsed], dtype="str"),
    })
    frame = table.take(np.where(codes < 0, len(parsed) - 1, codes))
    frame.index = column.index
    return frame, errors


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)


def _fact_lines(text: str, count: int, items: np.ndarray, file: str) -> np.ndarray:
    """The line of each fact's list item, found by scanning the text rather than parsing it again."""
    starts = _item_lines(text, "facts")
    if starts is None or len(starts) != count:
        try:
            _, located, _ = parse_checked(text, file)
        except YamlProblems:
            return np.ones(len(items), dtype="int64")
        return np.array([located.of_value(("facts", int(i)))[0] for i in items], dtype="int64")
    return np.asarray(starts, dtype="int64")[items] if len(items) else np.zeros(0, dtype="int64")


def _item_lines(text: str, section: str) -> np.ndarray | None:
    """The line of each item of a top-level list, by looking at the first bytes of every line
    (vectorised: a 100k-fact file has a million lines)."""
    raw = text.encode("utf-8", "surrogatepass")
    data = np.frombuffer(raw + b"\n\n", dtype=np.uint8)  # padded: a line's next bytes can always be read
    line_starts = np.concatenate(([0], np.flatnonzero(data[:len(raw)] == 10) + 1))
    line_starts = line_starts[line_starts < len(raw)] if len(raw) else line_starts[:0]
    first_bytes = data[line_starts]
    # Top-level keys start with a letter or "_" in the first column; only those lines are read as text.
    candidates = np.flatnonzero(((first_bytes | 32) >= 97) & ((first_bytes | 32) <= 122) | (first_bytes == 95))
    keys = []
    for line in candidates.tolist():
        begin = int(line_starts[line])
        match = _TOP_KEY.match(raw[begin:raw.find(b"\n", begin) % (len(raw) + 1)].decode("utf-8", "surrogatepass"))
        if match:
            keys.append((line, match.group(1)))
    for n, (line, name) in enumerate(keys):
        if name == section:
            first_line, end_line = line, keys[n + 1][0] if n + 1 < len(keys) else len(line_starts)
            break
    else:
        return None
    # The list's own items are the "- " at the indentation of the first one (YAML requires it).
    lines = np.arange(first_line + 1, end_line)
    starts = line_starts[lines]
    indent = np.zeros(len(lines), dtype=np.int64)
    blank = np.ones(len(lines), dtype=bool)
    for offset in range(129):  # deeper indentation goes the located way (see yamlfile)
        blank &= data[np.minimum(starts + offset, len(data) - 1)] == 32
        indent += blank
        if not blank.any():
            break
    after = data[np.minimum(starts + indent, len(data) - 1)]
    follows = data[np.minimum(starts + indent + 1, len(data) - 1)]
    item = (after == 45) & ((follows == 32) | (follows == 10))  # "- " or a lone "-"
    if not item.any():
        return np.zeros(0, dtype=np.int64)
    own = item & (indent == indent[np.argmax(item)])
    return lines[own] + 1  # lines count from 1


# ---- messages from the schema's complaints -------------------------------------------------------


def _explain(err: ValidationError, parsed: dict) -> list[tuple[tuple, str, str]]:
    """Turn pydantic's errors into one message per location a curator can act on."""
    seen: dict[tuple, tuple[tuple, str, str]] = {}
    for error in err.errors(include_url=False):
        loc = tuple(error["loc"])
        union_member = loc and loc[-1] in ("int", "float", "str", "list[str]")
        if union_member:
            loc = loc[:-1]
        kind = error["type"]
        is_key = loc and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        if loc in seen and not union_member:
            continue
        if kind == "invalid_key":  # a key YAML typed as a number, a list, ...
            seen[loc] = (loc, f"{_describe(loc, parsed)}the key {_short(loc[-1])} must be text", "key")
            continue
        where = _describe(loc, parsed)
        field_name = _short(loc[-1]) if loc else "file"
        if len(loc) >= 2 and isinstance(loc[-1], int) and isinstance(loc[-2], str):
            field_name = f"{loc[-2]} item {loc[-1] + 1}"
        given = error.get("input")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            hint = _did_you_mean(_short(loc[-1]), allowed)
            message = f"{where}unknown key '{_short(loc[-1])}'{hint}; expected one of: {', '.join(allowed)}"
            seen[loc] = (loc, message, "key")
            continue
        if kind == "missing":
            message = f"{where}missing required key '{loc[-1]}'"
            seen[loc] = (loc[:-1], message, "value")
            continue
        if kind == "literal_error":
            expected = [e.strip().strip("'") for e in re.split(r",| or ", error["ctx"]["expected"]) if e.strip()]
            hint = _did_you_mean(_short(given), expected)
            message = (f"{where}{field_name} '{_short(given)}' is not allowed{hint}; "
                       f"expected one of: {', '.join(expected)}")
            if isinstance(given, str) and given in expected and all(e.isdigit() for e in expected):  # '1' for 1
                message = f"{where}{field_name} must be the number {given}, not text: remove the quotes"
        elif kind == "string_pattern_mismatch":
            message = (f"{where}'{_short(given)}' is not a valid id: use lowercase letters, digits, '.', '_' and '-' "
                       f"(e.g. '{_slug(_short(given))}')")
            seen[loc] = (loc, message, "key" if is_key else "value")
            continue
        elif kind in ("string_too_long",):
            message = f"{where}{field_name} is too long ({len(given) if isinstance(given, str) else '?'} characters)"
        elif union_member or kind in ("int_type", "float_type", "string_type", "bool_type", "list_type", "dict_type",
                                      "typed_dict_type", "model_type", "int_from_float"):
            message = f"{where}{field_name} must be {_expected(loc)}, not {_type_name(given)} {_short(given)!s}"
            message = message.rstrip()
        else:
            message = f"{where}{field_name}: {error['msg']}"
        seen[loc] = (loc, message, "value")
    return list(seen.values())


_EXPECTED = {
    "value": "a number or a string such as \"$500 million\"", "low": "a number or a string such as \"1,200\"",
    "high": "a number or a string such as \"1,200\"", "as_of": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "since": "a date (YYYY-MM-DD, YYYY-MM or YYYY)", "stated": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "published": "a date (YYYY-MM-DD, YYYY-MM or YYYY)", "accessed": "a date (YYYY-MM-DD, YYYY-MM or YYYY)",
    "date": "a date (YYYY-MM-DD, YYYY-MM or YYYY)", "party_to_conflict": "true or false",
    "tags": "a list of strings", "aliases": "a list of strings", "include": "a list of file paths",
    "facts": "a list of facts (each starting with '- id: ...')", "events": "a list of events",
    "sources": "a mapping of source ids to sources", "claimants": "a mapping of claimant ids to claimants",
    "metrics": "a mapping of metric ids to metrics", "schema_version": "1",
}


def _expected(loc: tuple) -> str:
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if isinstance(loc[-1], int):
        return "a string" if name in ("tags", "aliases", "include") else "a mapping of keys"
    if len(loc) == 2 and loc[0] in DECLARATIONS:
        return "a mapping of keys"
    return _EXPECTED.get(name, "text")


def _allowed_keys(loc: tuple) -> list[str]:
    from dashboard.factbase.schema import FactFile

    if not loc:
        return fields_of(FactFile)
    model = SECTIONS.get(str(loc[0]))
    return fields_of(model) if model else []


def _describe(loc: tuple, parsed: dict) -> str:
    if len(loc) >= 2 and loc[0] in SECTIONS:
        kind = _KIND_OF[loc[0]]
        if loc[0] in ("facts", "events"):
            item = parsed.get(loc[0])
            entry = item[loc[1]] if isinstance(item, list) and isinstance(loc[1], int) and loc[1] < len(item) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            label = f"'{_short(name)}'" if isinstance(name, str) else f"#{int(loc[1]) + 1}"
            return f"{kind} {label}: "
        return f"{kind} '{_short(loc[1])}': "
    return ""


def _did_you_mean(given: str, choices: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    if not close and given:
        close = sorted(c for c in choices if c.startswith(given) or given.startswith(c))[:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def _short(value: object, limit: int = 60) -> str:
    if type(value) is int and value.bit_length() > 10_000:  # str() refuses ints of over 4,300 digits
        return f"<a number of about {int(value.bit_length() * 0.30103):,} digits>"
    text = str(value) if not isinstance(value, (dict, list)) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "my-id"


# ---- the whole fact base -------------------------------------------------------------------------


def load_factbase(path: str | os.PathLike, overrides: dict[Path, bytes] | None = None) -> FactBase:
    """Load a fact file and everything it includes; raise FactBaseError listing every problem.

    `overrides` maps resolved paths to content read in place of the file's (`factdash add` checks
    a file as it would be after an edit, before writing it)."""
    # A load makes millions of small objects and no cycles: the collector's passes over them cost
    # about 0.4 s per 100k facts and free nothing, so it waits until the load is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with cache.deferred_writes():
            return _load(Path(path), overrides or {})
    finally:
        if collecting:
            gc.enable()


def _load(path: Path, overrides: dict[Path, bytes] | None = None) -> FactBase:
    root = Path(path)
    if not overrides:
        known = _unchanged_base(root)
        if known is not None:
            return known
    files: list[tuple[Path, FileResult, str]] = []  # (absolute path, result, text digest)
    problems: list[Problem] = []
    texts: dict[str, bytes] = {}
    _collect(root, _display(root), files, problems, texts, stack=[], overrides=overrides or {})
    key = _base_key([(r.file, r.digest) for _, r, _ in files])
    if not problems:
        cached = cache.get(key)
        if isinstance(cached, FactBase):
            if not overrides:
                _remember_files(root, files)
            return cached
    base, more = _assemble([r for _, r, _ in files], texts, complete=not problems)
    problems.extend(more)
    if base is None or any(p.severity == "error" for p in problems):
        raise FactBaseError(problems)
    base.content_hash = key.rsplit("-", 1)[-1]
    base.warnings = [p for p in problems if p.severity != "error"]
    cache.put(key, base)
    if not overrides:
        _remember_files(root, files)
    return base


def _base_key(files: list[tuple[str, str]]) -> str:
    """The cache key of a whole fact base: its files (as shown) and their content digests."""
    listed = "|".join(f"{file}:{digest}" for file, digest in files)
    return "base-" + LOADER_VERSION + "-" + cache.digest(listed.encode())


def _files_key(root: Path) -> str:
    # Files are shown relative to the working directory, so the list is only good for the same one.
    return "files-" + LOADER_VERSION + "-" + cache.digest(f"{root}|{root.resolve()}|{os.getcwd()}".encode())


def _remember_files(root: Path, files: list[tuple[Path, FileResult, str]]) -> None:
    """Record the files a base was read from, their digests and (where settled) stat signatures."""
    record = []
    for path, result, _ in files:
        known = _READ.get(path)
        signature = known[0] if known and known[2] == result.digest and known[3] else None
        record.append((str(path), result.file, result.digest, signature))
    cache.put(_files_key(root), record)


def _unchanged_base(root: Path) -> FactBase | None:
    """The cached base when no file it was read from has changed, without opening the per-file
    results (a warm start in a new process then reads one cache entry, not every file's cached
    frames). An include list can only change with its file's content, so the same digests mean the
    same files. A file whose recorded signature still holds is not even read: it is noted as known
    (content not read) for `_read`, so that a load after an edit elsewhere skips it too."""
    known = cache.get(_files_key(root))
    if not isinstance(known, list):
        return None
    unchanged = True
    for resolved, _, digest, signature in known:
        path = Path(resolved)
        try:
            # Only regular files: a path that became a pipe or a device would not answer (see _collect).
            if not path.is_file():
                return None
            current, _ = _signature(path)
            if signature is not None and current == signature and path not in _READ:
                _READ[path] = (signature, None, digest, True)
            unchanged = unchanged and _read(path)[1] == digest
        except OSError:
            return None
    cached = cache.get(_base_key([(file, digest) for _, file, digest, _ in known])) if unchanged else None
    return cached if isinstance(cached, FactBase) else None


def _display(path: Path) -> str:
    absolute = path.absolute()
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return str(absolute)
    return relative if not relative.startswith("..") else str(absolute)


def _collect(path: Path, file: str, files: list, problems: list[Problem], texts: dict[str, bytes],
             stack: list[Path], origin: Problem | None = None, overrides: dict[Path, bytes] | None = None) -> None:
    """Read `path` and its includes depth first, in order; report cycles and missing files where included."""
    resolved = path.resolve()
    if any(resolved == seen for seen, _, _ in files):
        return  # included twice (a diamond): read once
    try:
        if resolved.exists() and not resolved.is_dir() and not resolved.is_file():
            # A device or a pipe (/dev/zero, a FIFO) would never end or never answer: not a fact file.
            raise _NotAFile()
        data, digest = (overrides[resolved], None) if overrides and resolved in overrides else _read(resolved)
    except (FileNotFoundError, IsADirectoryError, PermissionError, _NotAFile, OSError) as err:
        reason = {FileNotFoundError: "no such file", IsADirectoryError: "it is a folder",
                  PermissionError: "permission denied",
                  _NotAFile: "it is not a regular file (a device or a pipe?)"}.get(type(err), str(err))
        if origin:
            problems.append(Problem(origin.file, origin.line, origin.column,
                                    f"cannot include '{origin.message}': {reason}"))
        else:
            problems.append(Problem(file, 1, 1, f"cannot read the fact file: {reason}"))
        return
    texts[file] = data if data is not None else resolved  # a path: read if a message needs a location
    result = read_file(resolved, file, data, digest)
    files.append((resolved, result, result.digest))
    problems.extend(result.fatal)
    located = _locator(result, texts)
    for node_path, message, where in result.problems:
        problems.append(_at(result.file, located, node_path, message, where))
    for written, node_path in result.includes:
        target = (resolved.parent / written)
        line, column = located().of_value(node_path)
        if target.resolve() in stack + [resolved]:
            chain = " -> ".join(_display(p) for p in stack + [resolved, target.resolve()])
            problems.append(Problem(file, line, column, f"include cycle: {chain}"))
            continue
        _collect(target, _display(target), files, problems, texts, stack + [resolved],
                 origin=Problem(file, line, column, written), overrides=overrides)


class _NotAFile(OSError):
    pass


_READ: dict[Path, tuple[tuple, bytes | None, str, bool]] = {}  # path -> (signature, content, digest, settled)
_SETTLED_NS = 2_000_000_000


def _signature(path: Path) -> tuple[tuple, bool]:
    """A file's stat signature, and whether it was last changed over two seconds ago."""
    info = os.stat(path)
    signature = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return signature, time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > _SETTLED_NS


def _read(path: Path) -> tuple[bytes | None, str]:
    """A file's content and digest; unchanged files are not read again (content None: known
    unchanged from the disk cache's record, not read in this process).

    The dashboard loads the fact base on every interaction: hashing megabytes of unchanged files each
    time was a tenth of the server's work under load. A file counts as unchanged when its inode, size,
    modification and change times are the ones recorded, and it had already gone unchanged for two
    seconds when they were recorded: a write within the same clock tick as that look could otherwise
    leave the times as they were (git knows this as the racy-clean problem).
    """
    signature, settled = _signature(path)
    known = _READ.get(path)
    if known and known[0] == signature and known[3]:
        return known[1], known[2]
    data = path.read_bytes()
    digest = cache.digest(data)
    if len(_READ) > 256:
        _READ.clear()
    _READ[path] = (signature, data, digest, settled)
    return data, digest


def _locator(result: FileResult, texts: dict[str, bytes]):
    """A function giving the file's Located, computed on first use (only files with problems pay)."""
    memo: list[Located] = []

    def located() -> Located:
        if not memo:
            key = f"located-{result.digest}"
            found = cache._MEMORY.get(key)
            if found is None:
                try:
                    text = texts[result.file]
                    text = text.read_bytes() if isinstance(text, Path) else text
                    _, found, _ = parse_checked(decode(text, result.file), result.file)
                except (YamlProblems, KeyError, OSError):
                    found = Located()
                cache._remember(key, found)
            memo.append(found)
        return memo[0]

    return located


def _at(file: str, located, node_path: tuple, message: str, where: str, severity: str = "error") -> Problem:
    line, column = located().of_key(node_path) if where == "key" else located().of_value(node_path)
    return Problem(file, line, column, message, severity)


def _assemble(results: list[FileResult], texts: dict[str, bytes],
              complete: bool = True) -> tuple[FactBase | None, list[Problem]]:
    """Merge the files: unique ids, resolved references, joined attributes.

    With problems found already (`complete` false) only the checks run, so that every problem is
    reported at once; no FactBase is built from data known to be wrong.
    """
    problems: list[Problem] = []
    locators = {r.file: _locator(r, texts) for r in results}
    tables: dict[str, dict[str, dict]] = {name: {} for name in DECLARATIONS}
    defined_in: dict[str, dict[str, str]] = {name: {} for name in DECLARATIONS}
    for result in results:
        for name in DECLARATIONS:
            for key, value in result.declarations.get(name, {}).items():
                if key in tables[name]:
                    first = defined_in[name][key]
                    problems.append(_at(result.file, locators[result.file], (name, key), f"{_KIND_OF[name]} '{key}' is "
                                        f"defined twice (first in {first}); ids are shared by all included files",
                                        "key"))
                    continue
                tables[name][key] = value
                defined_in[name][key] = result.file

    frames = [r.facts for r in results if len(r.facts)]
    facts = pd.concat(frames, ignore_index=True) if frames else _normalise_facts(_empty_facts())[0].assign(
        file=pd.Series(dtype=object), item=pd.Series(dtype="int64"), line=pd.Series(dtype="int64"))

    def report(mask: pd.Series, name: str, message) -> None:
        for row in facts.index[mask.to_numpy(dtype=bool)]:
            record = facts.loc[row]
            text = message(record) if callable(message) else message
            problems.append(_at(record["file"], locators[record["file"]], ("facts", int(record["item"]), name),
                                f"fact '{record['fact_id']}': {text}", "value"))

    duplicated = facts["fact_id"].duplicated(keep="first")
    if duplicated.any():
        first = facts.drop_duplicates("fact_id").set_index("fact_id")
        report(duplicated, "id", lambda r: f"the id is used twice (first at {first.at[r['fact_id'], 'file']}:"
                                           f"{first.at[r['fact_id'], 'line']}); fact ids must be unique in all files")

    for name, table in (("metric", "metrics"), ("claimant", "claimants"), ("source", "sources"), ("via", "sources")):
        known = tables[table]
        unknown = facts[name].notna() & ~facts[name].isin(list(known))
        kind = _KIND_OF[table] if name != "via" else "source"
        report(unknown, name, lambda r, name=name, known=known, kind=kind, table=table: f"unknown {kind} "
               f"'{r[name]}'{_did_you_mean(str(r[name]), known)}; define it under {table}: or fix the id")

    units = _lookup(facts["metric"], {k: v.get("unit") for k, v in tables["metrics"].items()})
    categories = _lookup(facts["metric"], {k: v.get("category") for k, v in tables["metrics"].items()})
    wrong_currency = facts["value_currency"].notna() & units.notna() & (facts["value_currency"] != units)
    report(wrong_currency, "value", lambda r: f"the value is written in {r['value_currency']} but metric "
                                              f"'{r['metric']}' counts {units[r.name]}")
    not_money = (facts["value_currency"].notna() & units.notna()
                 & ~_lookup(facts["metric"], {k: is_currency(str(v.get("unit"))) for k, v in tables["metrics"].items()})
                 .fillna(False).astype(bool))
    report(not_money & ~wrong_currency, "value", "the value has a currency sign but the metric does not count money")
    stage_off = facts["stage"].notna() & categories.notna() & (categories != "aid")
    report(stage_off, "stage", lambda r: f"stage is for aid figures; metric '{r['metric']}' is in category "
                                         f"'{categories[r.name]}'")

    for result in results:
        for i, event in result.events:
            source = event.get("source")
            if isinstance(source, str) and source not in tables["sources"]:
                problems.append(_at(result.file, locators[result.file], ("events", i, "source"),
                                    f"event '{event.get('label', i)}': unknown source '{source}'"
                                    f"{_did_you_mean(source, tables['sources'])}", "value"))

    if not complete or any(p.severity == "error" for p in problems):
        return None, problems
    title = next((r.header.get("title") for r in results if r.header.get("title")), "")
    description = next((r.header.get("description") for r in results if r.header.get("description")), "")
    base = FactBase(
        facts=_join(facts, tables),
        sources=_declaration_frame(tables["sources"], "source"),
        claimants=_declaration_frame(tables["claimants"], "claimant"),
        metrics=_declaration_frame(tables["metrics"], "metric"),
        events=_events_frame(results),
        title=results[0].header.get("title", title) if results else "",
        description=results[0].header.get("description", description) if results else "",
        files=[r.file for r in results],
    )
    return base, problems


def _declaration_frame(table: dict[str, dict], kind: str) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(table, orient="index") if table else pd.DataFrame()
    frame.index.name = kind
    return frame


def _events_frame(results: list[FileResult]) -> pd.DataFrame:
    rows = []
    for result in results:
        for _, event in result.events:
            try:
                date: PartialDate | None = parse_date(event.get("date"))
            except ValueError_:
                date = None
            rows.append({"event_id": event.get("id"), "date": pd.Timestamp(date.start) if date else pd.NaT,
                         "date_text": date.text if date else None, "label": event.get("label"),
                         "source": event.get("source"), "note": event.get("note"), "file": result.file})
    columns = ["event_id", "date", "date_text", "label", "source", "note", "file"]
    return pd.DataFrame(rows, columns=columns).sort_values("date", kind="stable").reset_index(drop=True)


_METRIC_COLUMNS = {"label": "metric_label", "unit": "unit", "category": "category", "aggregation": "aggregation",
                   "definition": "definition", "subject": "subject"}
_CLAIMANT_COLUMNS = {"name": "claimant_name", "kind": "claimant_kind", "affiliation": "claimant_affiliation",
                     "party_to_conflict": "party_to_conflict"}
_SOURCE_COLUMNS = {"title": "source_title", "publisher": "publisher", "url": "url", "published": "published",
                   "kind": "source_kind", "license": "license"}


def _join(facts: pd.DataFrame, tables: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """Join each fact's metric, claimant and source attributes on, and derive its interval."""
    # Columns are gathered in a dict and framed once: setting 20 columns on a 100k-row frame one by
    # one cost more than the lookups themselves.
    out = {name: facts[name] for name in facts.columns}
    for key, table, columns in (("metric", "metrics", _METRIC_COLUMNS), ("claimant", "claimants", _CLAIMANT_COLUMNS),
                                ("source", "sources", _SOURCE_COLUMNS)):
        keys = out[key]
        for attribute, column in columns.items():
            out[column] = _lookup(keys, {k: v.get(attribute) for k, v in tables[table].items()},
                                  text=column in _TEXT_COLUMNS)
    out["party_to_conflict"] = _lookup(out["claimant"], {k: v.get("party_to_conflict") is True
                                                         for k, v in tables["claimants"].items()}).astype("boolean")
    published = {k: _date_start(v.get("published")) for k, v in tables["sources"].items()}
    out["published"] = _lookup_dates(out["source"], published)
    out["since"] = out["since"].fillna(_lookup_dates(out["metric"], {k: _date_start(v.get("since"))
                                                                     for k, v in tables["metrics"].items()}))
    out["stated"] = out["stated"].fillna(out["published"])
    value, low, high = out["value"].to_numpy(), out["low"].to_numpy(), out["high"].to_numpy()
    lows, highs = intervals(out["qualifier"], value, low, high)
    out["interval_low"] = pd.Series(lows, index=facts.index)
    out["interval_high"] = pd.Series(highs, index=facts.index)
    upper_bound = out["qualifier"].isin(["at_most", "less_than"]).to_numpy(dtype=bool)
    bound_or_middle = np.where(np.isinf(highs), lows, np.where(upper_bound, highs, (low + high) / 2))
    out["central"] = pd.Series(np.where(~np.isnan(value), value, bound_or_middle), index=facts.index)
    return _compact(pd.DataFrame({name: out[name] for name in FRAME_COLUMNS}, index=facts.index, copy=False),
                    copy=False)


_TEXT_COLUMNS = ["fact_id", "metric", "metric_label", "unit", "category", "aggregation", "definition", "subject",
                 "qualifier", "as_of_precision", "as_of_text", "claimant", "claimant_name", "claimant_kind",
                 "claimant_affiliation", "source", "source_title", "publisher", "url", "source_kind", "license",
                 "via", "quote", "stage", "note", "file"]


def _compact(frame: pd.DataFrame, copy: bool = True) -> pd.DataFrame:
    """Text as Arrow-backed strings and tags as Arrow lists: a cached fact base then loads in
    milliseconds (no per-object unpickling) and filters faster. Without `copy`, `frame` (the
    caller's own) is changed in place."""
    frame = frame.copy() if copy else frame
    for column in _TEXT_COLUMNS:
        if column in frame and frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    if "tags" in frame and frame["tags"].dtype == object:
        tags = [list(t) if isinstance(t, (list, tuple)) and t else None for t in frame["tags"].tolist()]
        frame["tags"] = pd.Series(pd.array(tags, dtype=pd.ArrowDtype(pa.list_(pa.string()))), index=frame.index)
    return frame


def _lookup(keys: pd.Series, mapping: dict, text: bool = False) -> pd.Series:
    """`keys.map(mapping)` done once per distinct key and spread by position (long series repeat ids).
    With `text`, a column of text attributes comes back as strings even when none is given."""
    codes, uniques = _factorize(keys)
    found = [mapping.get(u) for u in uniques] + [None]  # the last one for code -1: no key
    positions = np.where(codes < 0, len(found) - 1, codes)
    # Text is gathered in Arrow: no Python object per row.
    if (text or any(type(v) is str for v in found)) and all(v is None or type(v) is str for v in found):
        # large_string is what pandas keeps text as: built so, the column needs no cast (a copy).
        gathered = pa.array(found, type=pa.large_string()).take(positions)
        return pd.Series(pd.array(gathered, dtype="str"), index=keys.index)
    values = np.empty(len(found), dtype=object)
    values[:] = found
    return pd.Series(values[positions], index=keys.index, dtype=object)


def _lookup_dates(keys: pd.Series, mapping: dict[str, str | None]) -> pd.Series:
    """Dates (YYYY-MM-DD text) looked up by key, parsed once per distinct key."""
    codes, uniques = _factorize(keys)
    found = pd.to_datetime(np.array([mapping.get(u) for u in uniques] + [None], dtype=object))
    return pd.Series(found[np.where(codes < 0, len(found) - 1, codes)], index=keys.index)


_FACTORIZED: dict[int, tuple] = {}


def _factorize(keys: pd.Series) -> tuple[np.ndarray, list]:
    # The same key column is looked up for many attributes: factorize it once per call site (and
    # list its distinct keys once: iterating an Arrow array costs a microsecond per item).
    memo = _FACTORIZED.get(id(keys))
    if memo is None or memo[0] is not keys:
        codes, uniques = pd.factorize(keys)
        memo = (keys, codes, uniques.tolist())
        _FACTORIZED.clear()
        _FACTORIZED[id(keys)] = memo
    return memo[1], memo[2]


def _date_start(raw: object) -> str | None:
    if raw is None:
        return None
    try:
        return parse_date(raw).start
    except ValueError_:
        return None


FRAME_COLUMNS = [
    "fact_id", "metric", "metric_label", "unit", "category", "aggregation", "definition", "subject",
    "value", "low", "high", "central", "qualifier", "interval_low", "interval_high",
    "as_of", "as_of_end", "as_of_precision", "as_of_text", "since", "stated",
    "claimant", "claimant_name", "claimant_kind", "claimant_affiliation", "party_to_conflict",
    "source", "source_title", "publisher", "url", "published", "source_kind", "license", "via",
    "quote", "stage", "note", "tags", "file", "line",
]
