"""Importing tabular data: a CSV or JSON file and an import spec become one generated fact file.

    factdash import imports/gsua-equipment.yaml [--dry-run] [--check]

The output is deterministic (the same input and spec give the same bytes), names its spec and the
input's content hash in a header comment, and is written atomically (a temporary file renamed
over the old one), so an interrupted import leaves the previous file whole. A problem anywhere in
the input (a date that does not parse, a negative figure, a column the spec does not mention)
stops the import before anything is written, and is reported with the input's line and row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.factbase.atomic import write_text_atomic
from dashboard.factbase.columns import facts_pass_schema
from dashboard.factbase.schema import FILE_ADAPTER
from dashboard.factbase.yamltext import needs_located_parse
from dashboard.imports.spec import (
    DateColumn,
    FromColumns,
    ImportSpec,
    QualifierColumn,
    SourceFromColumns,
    SpecError,
    TextByPrefix,
    load_spec,
)
from dashboard.imports.writer import fact_file, fact_table, yaml_lines

FIRST_FACTS = 5  # facts shown by --dry-run
PROGRESS_ROWS = 2000  # inputs longer than this get a progress bar on a terminal


@dataclass(frozen=True)
class Row:
    """One input record: its place in the input (data row from 1, and file line) and its cells."""

    number: int
    line: int
    cells: dict


@dataclass(frozen=True, order=True)
class ImportProblem:
    """Something in the input (or the spec) that the import will not guess about."""

    file: str
    line: int
    row: int  # 0: not about one row
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: row {self.row}: {self.message}"
            if self.row
            else f"{self.file}:{self.line}: {self.message}"
        )


class InputError(Exception):
    """The input cannot be read as the spec says (not JSON, not an array of objects, ...)."""

    def __init__(self, problem: ImportProblem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class ImportResult:
    """What an import made: the facts, the file text, what it left out and why, and its problems."""

    spec_path: Path
    input_path: Path
    output_path: Path
    spec: ImportSpec
    rows: int = 0
    facts: list[dict] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> rows left out
    not_tracked: Counter = field(default_factory=Counter)  # column -> rows without a value
    dropped: Counter = field(default_factory=Counter)  # reason -> facts left out
    text: str | None = None
    table_path: Path | None = None  # the CSV fact table, when the spec asks for one
    table_text: str | None = None
    seconds: float = 0.0
    sources: dict[str, dict] = field(default_factory=dict)  # made from the rows (a source per page)

    @property
    def ok(self) -> bool:
        return not self.problems and self.text is not None


# ---- reading the input -----------------------------------------------------------------------------


def read_rows(data: bytes, spec: ImportSpec, file: str) -> list[Row]:
    """The input's records in order, each with its data row number and the line it starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(ImportProblem(file, line, 0, f"not UTF-8 text (byte 0x{data[err.start]:02x})")) from None
    if spec.input.format == "csv":
        return _csv_rows(text, spec.input.delimiter, file)
    return _json_rows(text, file)


def _csv_rows(text: str, delimiter: str, file: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(ImportProblem(file, 1, 0, "the CSV file is empty; it needs a header row")) from None
    except csv.Error as err:  # a header cell over the csv module's 128 KB field limit, a stray quote
        raise InputError(ImportProblem(file, 1, 0, f"the header row is not valid CSV: {err}")) from None
    if len(set(header)) != len(header):
        twice = sorted(c for c, n in Counter(header).items() if n > 1)
        raise InputError(ImportProblem(file, 1, 0, f"the header names a column twice: {', '.join(twice)}"))
    rows: list[Row] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                line = reader.line_num + 1
                continue  # a blank line
            if len(cells) != len(header):
                raise InputError(
                    ImportProblem(
                        file, line, len(rows) + 1, f"{len(cells)} cells where the header has {len(header)} columns"
                    )
                )
            rows.append(Row(len(rows) + 1, line, dict(zip(header, cells, strict=True))))
            line = reader.line_num + 1
    except csv.Error as err:
        raise InputError(ImportProblem(file, line, len(rows) + 1, f"not valid CSV: {err}")) from None
    return rows


_SPACE = re.compile(r"[ \t\r\n]*")  # JSON's whitespace


def _skip_space(text: str, at: int) -> int:
    found = _SPACE.match(text, at)
    return found.end() if found else at


def _json_rows(text: str, file: str) -> list[Row]:
    """An array of objects, read element by element so that each keeps the line it starts on."""
    decoder = json.JSONDecoder(object_pairs_hook=_refuse_duplicate_keys, parse_int=_bounded_int)

    def fail(position: int, message: str, row: int = 0) -> InputError:
        return InputError(ImportProblem(file, text.count("\n", 0, position) + 1, row, message))

    at = _skip_space(text, 0)
    if text[at : at + 1] != "[":
        raise fail(at, "a JSON input must be an array of objects ([{...}, {...}])")
    at = _skip_space(text, at + 1)
    rows: list[Row] = []
    line, counted = 1, 0
    while text[at : at + 1] != "]":
        if rows:
            if text[at : at + 1] != ",":
                raise fail(at, "expected ',' or ']' between the array's objects", len(rows))
            at = _skip_space(text, at + 1)
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as err:
            raise fail(err.pos, f"not valid JSON: {err.msg}", len(rows) + 1) from None
        except _RefusedJSON as err:
            raise fail(at, str(err), len(rows) + 1) from None
        except RecursionError:
            raise fail(at, "not valid input: arrays or objects nested too deep", len(rows) + 1) from None
        line += text.count("\n", counted, at)
        counted = at
        if not isinstance(value, dict):
            raise fail(at, f"expected an object, found {type(value).__name__}", len(rows) + 1)
        rows.append(Row(len(rows) + 1, line, value))
        at = _skip_space(text, end)
        if at >= len(text):
            raise fail(at, "the array is not closed with ']'")
    if text[_skip_space(text, at + 1) :]:
        raise fail(at + 1, "text after the array's closing ']'")
    return rows


class _RefusedJSON(ValueError):
    """JSON that parses but would be read wrongly: a key given twice, a number no figure has."""


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    # json keeps the last of two equal keys silently, as YAML would: which value did the data mean?
    found = dict(pairs)
    if len(found) != len(pairs):
        twice = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise _RefusedJSON(f"the key '{twice[:100]}' appears twice in one object: which value is meant?")
    return found


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 30:  # no figure has more digits; Python refuses over 4,300 at all
        raise _RefusedJSON(f"a number of {len(text):,} digits is no figure")
    return int(text)


# ---- cells to values ---------------------------------------------------------------------------------


class CellError(ValueError):
    pass


_PLAIN_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")


def parse_number(cell: object, column: str) -> int | float | None:
    """A cell as a figure: None when empty (not tracked); a CellError for anything that is not a
    non-negative number (figures are magnitudes; a fall in a running total shows as a smaller figure)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise CellError(f"column '{column}': {json.dumps(cell)} is not a number")
    if isinstance(cell, (int, float)):
        number = cell
    elif isinstance(cell, str):
        text = cell.strip()
        if _PLAIN_NUMBER.fullmatch(text):
            number = float(text) if "." in text else int(text)
        elif _THOUSANDS.fullmatch(text):
            number = int(text.replace(",", ""))
        elif re.fullmatch(r"-[0-9.,]+", text):
            number = -1
        else:
            raise CellError(f"column '{column}': {cell!r} is not a number")
    else:
        raise CellError(f"column '{column}': {type(cell).__name__} {cell!r} is not a number")
    if isinstance(number, float) and not math.isfinite(number):
        raise CellError(f"column '{column}': {cell!r} is not a finite number")
    if number < 0:
        raise CellError(
            f"column '{column}': {cell!r} is negative; figures are magnitudes (a running total that "
            "falls is a smaller figure, not a negative one)"
        )
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return number


def parse_day(cell: object, spec: DateColumn) -> dt.date:
    if not isinstance(cell, str) or not cell.strip():
        raise CellError(f"column '{spec.column}': no date")
    try:
        return dt.datetime.strptime(cell.strip(), spec.format).date()
    except ValueError:
        raise CellError(f"column '{spec.column}': {cell!r} is not a date in the format {spec.format}") from None


def _text(cell: object) -> str:
    """A cell as the text a map or a skip rule is written with."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell).strip()


class _Skip(Exception):
    """The row is left out on purpose (a value the spec says to skip)."""


def _resolve(lookup: str | FromColumns | None, cells: dict, what: str) -> str | None:
    if lookup is None or isinstance(lookup, str):
        return lookup
    key = " / ".join(_text(cells.get(c)) for c in lookup.columns)
    if lookup.prefixes is not None:
        found = _by_prefix(key, lookup.prefixes)
        if found is not None:
            return found
        if lookup.unmapped == "skip":
            raise _Skip(f"{what} '{key}' matches no prefix")
        raise CellError(
            f"{what} from column {' / '.join(lookup.columns)}: {key!r} begins with none of the spec's "
            f"prefixes ({', '.join(sorted(lookup.prefixes))})"
        )
    if lookup.map is None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", key):
            raise CellError(f"{what} from column {' / '.join(lookup.columns)}: {key!r} is not an id")
        return key
    if key in lookup.map:
        return lookup.map[key]
    if lookup.unmapped == "skip":
        raise _Skip(f"{what} '{key}' not mapped")
    raise CellError(
        f"{what} from column {' / '.join(lookup.columns)}: {key!r} is not in the spec's map "
        f"(known: {', '.join(sorted(lookup.map)[:12])}{', ...' if len(lookup.map) > 12 else ''})"
    )


def _by_prefix(cell: str, prefixes: dict[str, str]) -> str | None:
    """What the longest prefix of `cell` in `prefixes` maps to; None when none matches."""
    matching = [p for p in prefixes if cell.startswith(p)]
    return prefixes[max(matching, key=len)] if matching else None


def _row_source(spec: SourceFromColumns, cells: dict, day: dt.date, claimant: str | None, row: Row) -> dict:
    """The source a row's own page makes: its id, then the fields a fact file's source has."""
    fields = {"date": day.isoformat(), "claimant": claimant, "row": row.number, "cells": _Cells(cells)}
    try:
        source_id = spec.id.format(**fields)
        title = spec.title.format(**fields)
        note = spec.note.format(**fields) if spec.note else None
    except (KeyError, IndexError, ValueError) as err:
        raise CellError(f"the source's id, title or note template cannot be filled: {err}") from None
    url = _text(cells.get(spec.url))
    if not re.fullmatch(r"https?://\S+", url):
        raise CellError(f"column '{spec.url}': {url!r} is not an http(s) address")
    if isinstance(spec.publisher, TextByPrefix):
        publisher = _by_prefix(_text(cells.get(spec.publisher.column)), spec.publisher.prefixes)
        if publisher is None:
            raise CellError(
                f"column '{spec.publisher.column}': {_text(cells.get(spec.publisher.column))!r} begins with none of "
                f"the publisher prefixes ({', '.join(sorted(spec.publisher.prefixes))})"
            )
    else:
        publisher = spec.publisher
    source: dict = {"id": source_id, "title": title}
    if spec.title_kind != "page":
        source["title_kind"] = spec.title_kind
    source["publisher"] = publisher
    source["url"] = url
    if spec.published == "as_of":
        source["published"] = day.isoformat()
    elif isinstance(spec.published, DateColumn):
        source["published"] = parse_day(cells.get(spec.published.column), spec.published).isoformat()
    source["kind"] = spec.kind
    also = _text(cells.get(spec.see_also)) if spec.see_also else ""
    notes = [n for n in (note, f"See also: {also}" if also else None) if n]
    if notes:
        source["note"] = " ".join(notes)
    return source


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---- the import --------------------------------------------------------------------------------------


def run_import(spec_path: Path, *, progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read the spec and its input and make the fact file's text; write nothing (see `write`)."""
    started = time.perf_counter()
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)
    folder = spec_path.parent
    result = ImportResult(
        spec_path,
        folder / spec.input.path,
        folder / spec.output.path,
        spec,
        table_path=folder / spec.output.table if spec.output.table else None,
    )
    file = _shown(result.input_path)
    result.problems.extend(_place_problems(result))
    if result.problems:
        return result
    try:
        data = result.input_path.read_bytes()
    except OSError as err:
        result.problems.append(ImportProblem(file, 1, 0, f"cannot read the input: {err.strerror or err}"))
        return result
    try:
        rows = read_rows(data, spec, file)
    except InputError as err:
        result.problems.append(err.problem)
        return result
    result.rows = len(rows)
    facts, order_keys = _make_facts(rows, spec, file, result, progress)
    facts = _one_per_date(facts, order_keys, spec, result)
    _check_ids(facts, file, result)
    facts.sort(key=lambda f: (f["metric"], f["as_of"], f["claimant"], f["id"]))
    result.facts = [{k: v for k, v in f.items() if not k.startswith("_")} for f in facts]
    if not result.problems:
        result.text = render(
            result, hashlib.sha256(data).hexdigest(), hashlib.sha256(spec_path.read_bytes()).hexdigest()
        )
        if result.table_path is not None:
            result.table_text = fact_table(result.facts)
        _check_output(result)
    result.seconds = time.perf_counter() - started
    return result


def _make_facts(
    rows: list[Row], spec: ImportSpec, file: str, result: ImportResult, progress: Callable[[int, int], None] | None
) -> tuple[list[dict], list[str]]:
    used = spec.used_columns() | set(spec.ignore_columns)
    unknown: dict[str, Row] = {}
    skip_rules = [(s.column, set(s.values), s.reason) for s in spec.skip]
    kept_dates = _kept_dates(rows, spec) if spec.keep != "all" else None
    columns = list((spec.metric_columns or {}).items())
    template_id = spec.id
    facts: list[dict] = []
    order_keys: list[str] = []
    problems = result.problems

    def problem(row: Row, message: str) -> None:
        problems.append(ImportProblem(file, row.line, row.number, message))

    for count, row in enumerate(rows, start=1):
        if progress is not None and (count % 500 == 0 or count == len(rows)):
            progress(count, len(rows))
        cells = row.cells
        for name in cells:
            if name not in used and name not in unknown:
                unknown[name] = row
        reason = next((r for column, values, r in skip_rules if _text(cells.get(column)) in values), None)
        if reason is not None:
            result.skipped[reason] += 1
            continue
        try:
            day = parse_day(cells.get(spec.date.column), spec.date)
            if kept_dates is not None and day not in kept_dates:
                result.skipped[f"thinned to {spec.keep} (keep: {spec.keep})"] += 1
                continue
            claimant = _resolve(spec.claimant, cells, "claimant")
            if isinstance(spec.source, SourceFromColumns):
                made = _row_source(spec.source, cells, day, claimant, row)
                source = made.pop("id")
                held = result.sources.setdefault(source, made)
                if held != made:
                    raise CellError(f"source '{source}' is made again with other fields (an earlier row made it)")
            else:
                source = _resolve(spec.source, cells, "source")
            via = _resolve(spec.via, cells, "via")
            stated = (
                day
                if spec.stated == "as_of"
                else parse_day(cells.get(spec.stated.column), spec.stated)
                if isinstance(spec.stated, DateColumn)
                else None
            )
            qualifier = spec.qualifier
            if isinstance(qualifier, QualifierColumn):
                word = _text(cells.get(qualifier.column))
                if not word:
                    qualifier = qualifier.missing
                elif word in qualifier.map:
                    qualifier = qualifier.map[word]
                else:
                    raise CellError(
                        f"column '{qualifier.column}': {word!r} is not in the spec's qualifier map "
                        f"(known: {', '.join(sorted(qualifier.map))})"
                    )
            if spec.metric is not None:
                pairs = [(_resolve(spec.metric, cells, "metric"), spec.value)]
            else:
                pairs = [(metric, column) for column, metric in columns]
        except _Skip as why:
            result.skipped[str(why)] += 1
            continue
        except CellError as err:
            problem(row, str(err))
            continue
        for metric, column in pairs:
            try:
                assert column is not None  # metric_columns keys, or `value` (required with `metric`)
                value = _scaled(parse_number(cells.get(column), column), spec.scale)
                low = _scaled(parse_number(cells.get(spec.low), spec.low), spec.scale) if spec.low else None
                high = _scaled(parse_number(cells.get(spec.high), spec.high), spec.scale) if spec.high else None
            except CellError as err:
                problem(row, str(err))
                continue
            if value is None and low is None and high is None:
                result.not_tracked[column] += 1  # a missing key or an empty cell: not tracked, never zero
                continue
            fields = {
                "metric": metric,
                "date": day.isoformat(),
                "claimant": claimant,
                "source": source,
                "row": row.number,
                "column": _slug(column),
                "cells": _Cells(cells),
            }
            try:
                fact_id = template_id.format(**fields)
                note = spec.note.format(**fields) if spec.note else None
            except (KeyError, IndexError, ValueError) as err:
                problem(row, f"the id or note template cannot be filled: {err}")
                continue
            fact: dict = {"id": fact_id, "metric": metric}
            for name, number in (("value", value), ("low", low), ("high", high)):
                if number is not None:
                    fact[name] = number
            if qualifier != "exact":
                fact["qualifier"] = qualifier
            fact["as_of"] = day.isoformat()
            if stated is not None:
                fact["stated"] = stated.isoformat()
            fact["claimant"] = claimant
            fact["source"] = source
            if via:
                fact["via"] = via
            if spec.stage:
                fact["stage"] = spec.stage
            if note:
                fact["note"] = note
            if spec.tags:
                fact["tags"] = list(spec.tags)
            fact["_row"] = row
            facts.append(fact)
            if spec.one_per_date is not None:
                order_keys.append(_text(cells.get(spec.one_per_date.order_by)))
    for name, row in unknown.items():
        problem(
            row,
            f"column '{name}' (first seen here) is neither used by the spec nor listed under "
            "ignore_columns: map it to a metric, or ignore it on purpose",
        )
    return facts, order_keys


def _scaled(number: int | float | None, scale: int | float) -> int | float | None:
    """A figure in the spec's scale (US$ millions) as a plain number; whole numbers stay integers."""
    if number is None or scale == 1:
        return number
    scaled = number * scale
    if isinstance(scaled, float):
        scaled = round(scaled, 6)  # 1.1 * 1e6 is 1100000.0000000002 in binary
    if isinstance(scaled, float) and scaled.is_integer():
        return int(scaled)
    return scaled


class _Cells(dict):
    """Cells for templates: {cells[NAME]} of a column the row lacks is empty, not an error."""

    def __missing__(self, key: str) -> str:
        return ""

    def __getitem__(self, key: str) -> str:
        return _text(super().get(key))


def _kept_dates(rows: list[Row], spec: ImportSpec) -> set[dt.date]:
    """The dates `keep` keeps: the last date present in each week (or month), and the input's last date."""
    days = set()
    for row in rows:
        try:
            days.add(parse_day(row.cells.get(spec.date.column), spec.date))
        except CellError:
            pass  # reported by the main pass
    if not days:
        return set()
    period = (lambda d: d.isocalendar()[:2]) if spec.keep == "weekly" else (lambda d: (d.year, d.month))
    last: dict[tuple, dt.date] = {}
    for day in sorted(days):
        last[period(day)] = day
    return set(last.values()) | {max(days)}


def _one_per_date(facts: list[dict], order_keys: list[str], spec: ImportSpec, result: ImportResult) -> list[dict]:
    """Keep one fact per metric, claimant, source and date: the first or last by `order_by`."""
    if spec.one_per_date is None:
        return facts
    rule = spec.one_per_date
    best: dict[tuple, int] = {}
    for i, fact in enumerate(facts):
        key = (fact["metric"], fact["claimant"], fact["source"], fact["as_of"])
        held = best.get(key)
        if held is None:
            best[key] = i
            continue
        later = (order_keys[i], i) > (order_keys[held], held)
        if later == (rule.keep == "last"):
            best[key] = i
    chosen = sorted(best.values())
    dropped = len(facts) - len(chosen)
    if dropped:
        result.dropped[f"several rows for one metric and date: kept the {rule.keep} by {rule.order_by}"] += dropped
    return [facts[i] for i in chosen]


def _check_ids(facts: list[dict], file: str, result: ImportResult) -> None:
    seen: dict[str, Row] = {}
    for fact in facts:
        first = seen.setdefault(fact["id"], fact["_row"])
        if first is not fact["_row"]:
            row = fact["_row"]
            result.problems.append(
                ImportProblem(
                    file,
                    row.line,
                    row.number,
                    f"fact id '{fact['id']}' is made twice (first from row {first.number}): "
                    "put {metric}, {date} or {row} in the id template, or use one_per_date",
                )
            )
        elif not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", fact["id"]) or len(fact["id"]) > 200:
            row = fact["_row"]
            result.problems.append(
                ImportProblem(
                    file,
                    row.line,
                    row.number,
                    f"fact id '{fact['id']}' is not a valid id (lowercase letters, digits, '.', '_', '-'; at most 200)",
                )
            )


# ---- where an import may read and write ------------------------------------------------------------

GENERATED_MARK = "Generated by `factdash import`"
MAX_INPUT_MB = 512  # the default of $FACTDASH_MAX_IMPORT_MB: the largest input read


def import_folder(spec_path: Path) -> Path:
    """The fact base's folder an import reads and writes in: --root ($FACTDASH_ROOT), else the folder of
    the nearest facts.yaml at or above the spec's, else the spec's own folder."""
    if os.environ.get("FACTDASH_ROOT"):
        return Path(os.path.realpath(os.environ["FACTDASH_ROOT"]))
    spec_folder = Path(os.path.realpath(spec_path)).parent
    for folder in (spec_folder, *spec_folder.parents):
        if (folder / "facts.yaml").is_file():
            return folder
    return spec_folder


def _place_problems(result: ImportResult) -> list[ImportProblem]:
    """Why an import may not read its input or write its outputs where its spec says; before anything
    is read. It writes only inside the fact base's folder, only files it generated (or new ones), and
    never its own spec or input; it reads only a regular file there, of a bounded size."""
    folder = import_folder(result.spec_path)
    spec_file = _shown(result.spec_path)
    problems = []

    def problem(message: str) -> None:
        problems.append(ImportProblem(spec_file, 1, 0, message))

    spec_real, input_real = (Path(os.path.realpath(p)) for p in (result.spec_path, result.input_path))
    if not input_real.is_relative_to(folder):
        problem(f"the input {result.input_path} is outside the fact base's folder {folder} (--root names a wider one)")
    else:
        try:
            info = os.stat(input_real)
        except OSError as err:
            problem(f"cannot read the input {result.input_path}: {err.strerror or err}")
        else:
            limit = _max_input_bytes()
            if not stat.S_ISREG(info.st_mode):
                problem(f"the input {result.input_path} is not a regular file (a folder, a device or a pipe?)")
            elif info.st_size > limit:
                problem(
                    f"the input {result.input_path} is {info.st_size / 1048576:,.1f} MB, over the limit of "
                    f"{limit / 1048576:,.0f} MB (FACTDASH_MAX_IMPORT_MB)"
                )
    outputs = [("output", result.output_path)] + ([("table", result.table_path)] if result.table_path else [])
    generated_table = _table_named_by(result.output_path)
    for kind, path in outputs:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(folder):
            problem(f"the {kind} {path} is outside the fact base's folder {folder}: an import writes only inside it")
        elif real in (spec_real, input_real):
            problem(f"the {kind} {path} is the import's own {'spec' if real == spec_real else 'input'}")
        elif real.exists():
            if not real.is_file():
                problem(f"the {kind} {path} exists and is not a regular file: an import replaces only files it made")
            elif kind == "output" and not _is_generated(real):
                problem(
                    f"the output {path} exists and was not made by `factdash import` (no '{GENERATED_MARK}' "
                    "header): an import never replaces a curated file; name a new file"
                )
            elif kind == "table" and real != generated_table:
                problem(
                    f"the table {path} exists and is not the fact table the output's header names: an import "
                    "never replaces a file it did not make; name a new file"
                )
    return problems


def _max_input_bytes() -> int:
    try:
        return int(float(os.environ.get("FACTDASH_MAX_IMPORT_MB") or MAX_INPUT_MB) * 1048576)
    except ValueError:
        return MAX_INPUT_MB * 1048576


def _header(path: Path) -> str:
    """The comment lines a generated file starts with (its first 2 KB)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2048).decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(line for line in head.splitlines() if line.startswith("#"))


def _is_generated(path: Path) -> bool:
    return GENERATED_MARK in _header(path)


def _table_named_by(output: Path) -> Path | None:
    """The fact table an existing generated file says it made (its header's last line names it)."""
    found = re.search(r"The facts are in the fact table (\S+), also generated", _header(output))
    return Path(os.path.realpath(output.parent / found.group(1))) if found and _is_generated(output) else None


def _load_problems(result: ImportResult) -> list[ImportProblem]:
    """What the loader would refuse in the files about to be written (each checked on its own, as the
    loader checks each file): such a file is never written over a good one."""
    from dashboard.factbase.factfile import check_file
    from dashboard.factbase.tables import check_table

    data = (result.text or "").encode("utf-8")
    checked = [(result.output_path, check_file(_shown(result.output_path), data, ""))]
    if result.table_path is not None:
        data = (result.table_text or "").encode("utf-8")
        checked.append((result.table_path, check_table(_shown(result.table_path), data, "")))
    problems = []
    for path, loaded in checked:
        messages = [f"{p.line}:{p.column}: {p.message}" for p in loaded.fatal]
        messages += [message for _, message, _ in loaded.problems]
        for message in messages[:10]:
            problems.append(ImportProblem(_shown(path), 1, 0, f"the file made would not load: {message}"))
        if len(messages) > 10:
            problems.append(ImportProblem(_shown(path), 1, 0, f"and {len(messages) - 10} more problems like these"))
    return problems


def _check_output(result: ImportResult) -> None:
    """The generated file must pass the fact-file schema on its own and stay on the loader's fast path."""
    spec_file = _shown(result.spec_path)
    content = _content(result)
    if not facts_pass_schema(result.facts):
        try:
            FILE_ADAPTER.validate_python(content)
        except Exception as err:  # noqa: BLE001 - reported, with pydantic's words
            result.problems.append(ImportProblem(spec_file, 1, 0, f"the facts made do not pass the fact schema: {err}"))
    try:
        FILE_ADAPTER.validate_python({**content, "facts": []})
    except Exception as err:  # noqa: BLE001
        result.problems.append(
            ImportProblem(
                spec_file, 1, 0, f"the spec's sources, claimants or metrics do not pass the fact schema: {err}"
            )
        )
    if result.text is not None and needs_located_parse(result.text):
        result.problems.append(
            ImportProblem(
                spec_file,
                1,
                0,
                "the generated text has '{', a YAML tag, anchor or alias, or a document marker: the "
                "loader would parse it slowly; reword the spec's texts (titles, notes, definitions)",
            )
        )
    if not result.problems:
        result.problems.extend(_load_problems(result))
    if result.problems:
        result.text = None


# ---- writing the files ------------------------------------------------------------------------------


def _content(result: ImportResult) -> dict:
    spec = result.spec
    content: dict = {"schema_version": 1, "title": spec.title}
    if spec.description:
        content["description"] = spec.description
    if result.table_path is not None:
        content["include"] = [_relative(result.table_path, result.output_path.parent)]
    for name in ("sources", "claimants", "metrics"):
        table = {key: dict(value) for key, value in (getattr(spec, name) or {}).items()}
        if name == "sources":
            table.update(result.sources)
        if table:
            content[name] = table
    if result.table_path is None:
        content["facts"] = result.facts
    return content


def render(result: ImportResult, input_hash: str, spec_hash: str) -> str:
    """The fact file's text: a header comment naming the spec and the input's hash, then the content
    (without the facts when they go into a fact table of their own)."""
    here = result.output_path.parent
    header = []
    if result.spec.output.json_schema:
        schema = _relative(result.spec_path.parent / result.spec.output.json_schema, here)
        header.append(f"yaml-language-server: $schema={schema}")
    header += [
        f"{GENERATED_MARK} from the spec "
        f"{_relative(result.spec_path, here)} and the input {_relative(result.input_path, here)}",
        f"(paths relative to this file; input sha256 {input_hash}, spec sha256 {spec_hash}).",
        "Do not edit by hand: change the spec or the input and run the import again.",
    ]
    if result.table_path is not None:
        header.append(f"The facts are in the fact table {_relative(result.table_path, here)}, also generated.")
    return fact_file(header, _content(result))


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def _shown(path: Path) -> str:
    try:
        relative = os.path.relpath(Path(path).absolute())
    except ValueError:
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def write(result: ImportResult) -> bool:
    """Write the files atomically (a fact table before the file that includes it); False, and
    nothing written, when the import had problems."""
    if not result.ok:
        return False
    assert result.text is not None
    for path, text in _outputs(result):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    return True


def _outputs(result: ImportResult) -> list[tuple[Path, str]]:
    """The files an import makes, in the order they are written."""
    table = [(result.table_path, result.table_text or "")] if result.table_path is not None else []
    return table + [(result.output_path, result.text or "")]


# ---- reporting ---------------------------------------------------------------------------------------


def summary(result: ImportResult) -> list[str]:
    """Counts: rows read and left out (and why), facts per metric, values not tracked."""
    lines = [
        f"{_shown(result.input_path)}: {result.rows:,} rows -> {len(result.facts):,} facts ({result.seconds:.2f} s)"
    ]
    for reason, count in sorted(result.skipped.items()):
        lines.append(f"  rows left out: {count:,}: {reason}")
    for reason, count in sorted(result.dropped.items()):
        lines.append(f"  facts left out: {count:,}: {reason}")
    per_metric = Counter(f["metric"] for f in result.facts)
    for metric, count in sorted(per_metric.items()):
        lines.append(f"  {metric}: {count:,} facts")
    for column, count in sorted(result.not_tracked.items()):
        lines.append(f"  column '{column}': no value in {count:,} rows (not tracked there; no fact made)")
    return lines


def dry_run_report(result: ImportResult, first: int = FIRST_FACTS) -> str:
    lines = summary(result)
    if result.facts:
        lines.append(f"first {min(first, len(result.facts))} facts:")
        lines += ["  " + line for line in yaml_lines(result.facts[:first])]
    lines.append(
        f"{len(result.problems)} problem{'s' if len(result.problems) != 1 else ''}" + (":" if result.problems else "")
    )
    lines += [f"  {p}" for p in sorted(result.problems)]
    if not result.problems:
        lines += [f"would write {_shown(path)} ({len(text):,} characters)" for path, text in _outputs(result)]
    return "\n".join(lines) + "\n"


class ProgressBar:
    """A one-line bar on stderr, redrawn in place; only on a terminal and for long inputs."""

    def __init__(self, label: str, stream=None, width: int = 30):  # noqa: ANN001 - a text stream
        self.label, self.stream, self.width = label, stream or sys.stderr, width

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_ROWS:
            return
        filled = self.width * done // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} rows")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def run_cli(specs: list[str], *, dry_run: bool = False, check: bool = False, progress: bool | None = None) -> int:
    """`factdash import`: 0 when every spec imported (or is current, with check), 1 otherwise."""
    status = 0
    show_progress = sys.stderr.isatty() if progress is None else progress
    for spec_text in specs:
        spec_path = Path(spec_text)
        try:
            result = run_import(spec_path, progress=ProgressBar(spec_path.name) if show_progress else None)
        except SpecError as err:
            print(f"{len(err.problems)} problem{'s' if len(err.problems) != 1 else ''} in the import spec:")
            print("\n".join(f"  {p}" for p in err.problems))
            status = 1
            continue
        if dry_run:
            sys.stdout.write(dry_run_report(result))
            status = status or (0 if result.ok else 1)
            continue
        if not result.ok:
            sys.stdout.write("\n".join(summary(result)) + "\n")
            print(f"{len(result.problems)} problem{'s' if len(result.problems) != 1 else ''}; nothing written:")
            print("\n".join(f"  {p}" for p in sorted(result.problems)))
            status = 1
            continue
        if check:
            stale = [
                path
                for path, text in _outputs(result)
                if not path.exists() or path.read_bytes() != text.encode("utf-8")
            ]
            for path in stale:
                print(f"{_shown(path)} is out of date: run factdash import {spec_text}")
            if not stale:
                print(f"{_shown(result.output_path)}: up to date ({len(result.facts):,} facts)")
            status = status or (1 if stale else 0)
            continue
        write(result)
        sys.stdout.write("\n".join(summary(result)) + "\n")
        print(f"wrote {', '.join(_shown(path) for path, _ in _outputs(result))}")
    return status
