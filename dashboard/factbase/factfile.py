"""Checking one YAML fact file on its own: parse, schema, declarations, events, and its facts'
figures and dates. The result (problems by node path, facts as a frame) is what the loader caches
per file content; references between files are checked when the files are assembled (frame.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from pydantic import ValidationError

from dashboard.factbase import cache
from dashboard.factbase.columns import (
    checked_frame,
    compact,
    empty_facts,
    normalise_facts,
    record_columns,
    records_frame,
)
from dashboard.factbase.errors import Problem
from dashboard.factbase.messages import DECLARATIONS, KIND_OF, explain, short, type_name
from dashboard.factbase.schema import FACT_FIELDS, FILE_ADAPTER, SECTIONS
from dashboard.factbase.values import ValueError_, parse_date
from dashboard.factbase.yamltext import (
    FastRead,
    Lines,
    ListItems,
    YamlProblems,
    checked_source,
    decode,
    forbidden_characters,
    has_control_escape,
    item_lines,
    parse_checked,
    read_fast,
)

Problems = list[tuple[tuple, str, str]]  # (node path, message, "key"|"value"): located when reported


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


def check_file(file: str, data: bytes, digest: str) -> FileResult:
    """Check one YAML fact file's bytes (see tables.check_table for a CSV fact table)."""
    try:
        source = checked_source(data, file)
    except YamlProblems as err:
        return unreadable(file, digest, err.problems)
    return check_text(file, digest, source)


def unreadable(file: str, digest: str, problems: list[Problem]) -> FileResult:
    return FileResult(file, digest, {}, [], {s: {} for s in DECLARATIONS}, [], empty_facts(), [], problems)


def check_text(file: str, digest: str, text: str | bytes, *, fast: bool = True) -> FileResult:
    """Check one file's text (or its bytes, as `checked_source` passes them). The fast way
    (yamltext.read_fast) serves a file it can read that turns out clean; every other file, and every
    file with a problem, is read the located way, so that each message and its place come from
    there. `fast=False` reads it the located way only."""
    if fast:
        read = read_fast(text)
        if read is not None:
            result = _check_read(file, digest, text, read)
            if result is not None:
                return result
    return _check_located(file, digest, text if isinstance(text, str) else decode(text, file))


def _check_read(file: str, digest: str, text: str | bytes, read: FastRead) -> FileResult | None:
    """The checks on what the fast way read; None unless the file is clean."""
    facts = read.facts
    columns = {name: facts.column(name).combine_chunks() for name in facts.column_names} if facts is not None else {}
    frame = checked_frame(columns, facts.num_rows if facts is not None else 0)
    if frame is None:
        return None
    try:
        FILE_ADAPTER.validate_python(read.data)  # "facts" holds [] here: the facts were checked as columns
    except ValidationError:
        return None
    lines = _fact_lines(text, len(frame), frame.index.to_numpy(), file, read.lines, read.items)
    result = check_parsed(file, digest, read.data, [], {}, frame, lines)
    return result if not result.problems else None


def _check_located(file: str, digest: str, text: str) -> FileResult:
    try:
        parsed, located, found = parse_checked(text, file)
        if digest:
            # The loader places this file's messages with the same parse (loader._locator): the
            # slowest step of reading a broken file is done once, not twice.
            cache.remember(f"located-{digest}", located)
    except YamlProblems as err:
        return unreadable(file, digest, err.problems)
    if parsed is None:
        return unreadable(
            file, digest, [Problem(file, 1, 1, "the file is empty; a fact file needs at least 'schema_version: 1'")]
        )
    if not isinstance(parsed, dict):
        message = (
            f"the top level must be a mapping of keys (schema_version, sources, facts, ...), not {type_name(parsed)}"
        )
        return unreadable(file, digest, [Problem(file, 1, 1, message)])

    problems: Problems = forbidden_characters(parsed) if has_control_escape(text) else []
    bad_fields: dict[int, set] = {}  # fact position -> its keys that failed the schema
    facts = parsed.get("facts") if isinstance(parsed.get("facts"), list) else []
    # Facts that pass the column-wise checks are not validated one by one; when those checks are not
    # sure (or the section is not a list at all), every fact is, so that the messages come from the schema.
    frame = record_columns(facts) if isinstance(parsed.get("facts"), (list, type(None))) else None
    try:
        FILE_ADAPTER.validate_python({**parsed, "facts": []} if frame is not None else parsed)
    except ValidationError as err:
        for path, message, where in explain(err, parsed):
            problems.append((path, message, where))
            if len(path) >= 2 and path[0] == "facts" and isinstance(path[1], int):
                bad_fields.setdefault(path[1], set()).add(path[2] if len(path) > 2 else None)
    if frame is None:
        # Facts that failed the schema are still checked, without their failing keys, so that one run
        # reports every problem; a file with any problem never reaches a FactBase.
        good = [
            (
                i,
                f
                if i not in bad_fields
                else {k: v for k, v in f.items() if k in FACT_FIELDS and k not in bad_fields[i]},
            )
            for i, f in enumerate(facts)
            if isinstance(f, dict) and None not in bad_fields.get(i, ())
        ]
        frame = records_frame([f for _, f in good], [i for i, _ in good])
    lines = _fact_lines(text, len(facts), frame.index.to_numpy(), file)
    return check_parsed(file, digest, parsed, found, bad_fields, frame, lines, problems)


def check_parsed(
    file: str,
    digest: str,
    parsed: dict,
    found: list[Problem],
    bad_fields: dict[int, set],
    frame: pd.DataFrame,
    lines: np.ndarray,
    problems: list[tuple[tuple, str, str]] | None = None,
) -> FileResult:
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
        declarations[name] = {
            key: (value if isinstance(value, dict) else {}) for key, value in section.items() if isinstance(key, str)
        }
        for key, value in declarations[name].items():
            problems.extend(_check_declaration(name, key, value))
    # A field found wrong is reported and left out, so the checks across files never meet a unit that
    # is a list or a date that is not one (the located path leaves such values out the same way).
    for path, _, _ in problems:
        if len(path) >= 3 and path[0] in declarations and isinstance(declarations[path[0]].get(path[1]), dict):
            kept = declarations[path[0]][path[1]]
            declarations[path[0]][path[1]] = {field: v for field, v in kept.items() if field != path[2]}

    events = []
    if isinstance(sections["events"], list):
        for i, event in enumerate(sections["events"]):
            if isinstance(event, dict) and i not in bad_events:
                events.append((i, event))
                if "date" in event:
                    problems.extend(_date_problem(("events", i, "date"), event["date"]))

    frame, fact_problems = normalise_facts(frame)
    problems.extend(p for p in fact_problems if not _follows_from(p[0], bad_fields))
    frame["file"] = file
    frame["item"] = frame.index.to_numpy()
    frame["line"] = lines
    frame = frame.reset_index(drop=True)
    frame = compact(frame)  # compact in the per-file cache, fast to factorize and merge
    return FileResult(
        file,
        digest,
        header,
        includes,
        declarations,
        events,
        frame,
        problems,
        found,
        keys=tuple(k for k in parsed if isinstance(k, str)),
    )


_VALUE_FIELDS = {"value", "low", "high", "qualifier"}


def _follows_from(path: tuple, bad_fields: dict[int, set]) -> bool:
    """Whether a fact's problem only restates a schema error already reported for the same figure."""
    bad = bad_fields.get(path[1], set())
    name = path[2]
    return bool(bad & (_VALUE_FIELDS if name in _VALUE_FIELDS else {name}))


def _check_declaration(section: str, key: str, value: dict) -> list[tuple[tuple, str, str]]:
    problems = []
    for name in ("url", "archive_url"):
        if isinstance(value.get(name), str) and not _is_web_address(value[name]):
            problems.append(
                (
                    (section, key, name),
                    f"{KIND_OF[section]} '{key}': {name} '{short(value[name])}' is not an http:// or https:// address",
                    "value",
                )
            )
    for name in ("published", "accessed", "since"):
        if name in value:
            problems.extend(_date_problem((section, key, name), value[name], f"{KIND_OF[section]} '{key}': {name}"))
    return problems


def _date_problem(path: tuple, raw: object, what: str | None = None) -> list[tuple[tuple, str, str]]:
    try:
        parse_date(raw)
    except ValueError_ as err:
        return [(path, f"{what or path[-1]} {err}", "value")]
    return []


_SPACE = re.compile(r"\s")  # what str.isspace() calls a space, found in one call


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not _SPACE.search(url.strip())


def _fact_lines(
    text: str | bytes,
    count: int,
    items: np.ndarray,
    file: str,
    lines: Lines | None = None,
    listed: ListItems | None = None,
) -> np.ndarray:
    """The line of each fact's list item, found by scanning the text (or its `lines`, and where the
    items are, when the fast way has them) rather than parsing it again."""
    if not count:
        return np.zeros(0, dtype="int64")
    if lines is None:  # the fast way's bytes, when it has them; the text is encoded only without them
        lines = Lines(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    starts = item_lines(lines, "facts", listed)
    if starts is None or len(starts) != count:
        try:
            _, located, _ = parse_checked(text if isinstance(text, str) else decode(text, file), file)
        except YamlProblems:
            return np.ones(len(items), dtype="int64")
        return np.array([located.of_value(("facts", int(i)))[0] for i in items], dtype="int64")
    return np.asarray(starts, dtype="int64")[items] if len(items) else np.zeros(0, dtype="int64")
