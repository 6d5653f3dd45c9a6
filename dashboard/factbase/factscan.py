"""The fast way in for clean fact files: the facts section read by a C scanner straight into columns.

A 100k-fact file is a million one-line "key: value" pairs. Parsing them into Python objects, then
turning those into columns, was most of a cold load. `_factscan` (dashboard/_factscan.c) reads that
one shape (a block list of block mappings with one-line values) into Arrow buffers instead, and
gives up on anything else. The rest of the file, before and after the facts section, is parsed the
usual way: it is small (declarations, events).

This is only ever a shortcut for a file that is clean. Everything the scanner is unsure of, any
value the schema would reject, and (in the loader) any problem at all sends the file down the
general path, so every message a curator sees still comes from there. Tests hold the two paths to
the same frame.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.factbase.schema import _GATE, FACT_FIELDS
from dashboard.factbase.yamltext import _DOCUMENT_MARKERS, YamlProblems, parse_checked, parse_fast, resolve_plain

try:
    from dashboard.factbase import _factscan
except ImportError:  # installed without a C compiler: every file goes the general way
    _factscan = None

AVAILABLE = _factscan is not None

# The scanner's kinds of value (see _factscan.c).
NONE, TEXT, INT, FLOAT, LIST = range(5)
_KINDS = {str: TEXT, int: INT, float: FLOAT, list: LIST, type(None): NONE}
_FACTS_KEY = re.compile(rb"^facts[ \t]*:[ \t]*(?:#[^\n]*)?\n", re.MULTILINE)
_TAGS = pa.list_(pa.string())
_UNMODELLED = {b"\xc2": ["\x85".encode()], b"\xe2": ["\u2028".encode(), "\u2029".encode()],
               b"\xef": ["\ufeff".encode()]}


@dataclass
class Scanned:
    """A file whose facts were read as columns: the rest of it parsed, its facts as a typed frame."""

    parsed: dict  # the file's top-level keys in order, "facts" holding []
    facts: pd.DataFrame  # one column per fact field, index 0..n-1 (see `_frame`)
    lines: np.ndarray  # the line of each fact's "- "


def scan(data: bytes) -> Scanned | None:
    """The file's facts as columns, or None when it must be read the general way (always, with
    FACTDASH_SCANNER=off: to compare the two, or to rule the scanner out)."""
    if _factscan is None or os.environ.get("FACTDASH_SCANNER") == "off":
        return None
    key = _facts_key(data)
    if key is None:
        return None
    first_line = data.count(b"\n", 0, key.end()) + 1
    found = _factscan.scan(data, key.end(), first_line, FACT_FIELDS, "tags", resolve_plain)
    if found is None:
        return None
    end, count, lines, raw = found
    if _holds_unmodelled(data, key.end(), end):
        return None
    parsed = _parse_around(data[: key.start()], data[end:])
    if parsed is None:
        return None
    columns = {name: Column(*column) for name, column in zip(FACT_FIELDS, raw, strict=True)}
    if not _passes_gate(columns) or not _figures_are_usable(columns):
        return None
    return Scanned(parsed, _frame(columns, count), np.frombuffer(lines, dtype=np.int64))


@dataclass
class Column:
    """One fact field as the scanner read it (see _factscan.c)."""

    kinds: bytes  # uint8 per fact: NONE, TEXT, INT, FLOAT or LIST
    offsets: bytes  # int64 Arrow offsets into data (for the list field: per element)
    data: bytes  # UTF-8 text
    numbers: bytes  # float64 per fact, for INT and FLOAT
    list_offsets: bytes  # int64 Arrow offsets into the elements (the list field only)
    counts: tuple[int, int, int, int, int]  # facts of each kind
    not_ids: int  # text values (elements) not matching the id pattern
    max_bytes: int  # the longest text value (element), in bytes

    @property
    def kind(self) -> np.ndarray:
        return np.frombuffer(self.kinds, dtype=np.uint8)

    @property
    def present(self) -> set[int]:
        return {kind for kind, n in enumerate(self.counts) if n}

    def text(self) -> pa.LargeStringArray:
        """The text values as an Arrow array, null where the fact has no text here."""
        valid = self.kind == TEXT
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        return pa.LargeStringArray.from_buffers(len(valid), pa.py_buffer(self.offsets), pa.py_buffer(self.data),
                                                bitmap, len(valid) - self.counts[TEXT])

    def elements(self) -> pa.LargeStringArray:
        """The list field's elements, all facts' one after another."""
        return pa.LargeStringArray.from_buffers(len(self.offsets) // 8 - 1, pa.py_buffer(self.offsets),
                                                pa.py_buffer(self.data))


def _holds_unmodelled(data: bytes, start: int, end: int) -> bool:
    """Whether the section holds what YAML reads in ways the scanner does not model: tabs (errors in
    indentation, or part of a value), carriage returns, the line breaks NEL, LS and PS, a BOM."""
    if data.find(b"\t", start, end) >= 0 or data.find(b"\r", start, end) >= 0:
        return True
    # Single bytes first (memchr speed); the multi-byte searches run only when a lead byte is there.
    return any(data.find(lead, start, end) >= 0 and any(data.find(c, start, end) >= 0 for c in characters)
               for lead, characters in _UNMODELLED.items())


def _facts_key(data: bytes) -> re.Match | None:
    """The one top-level "facts:" line; None if there is none, or more than one line starting with
    "facts" (a duplicate key, say: the general path reports it)."""
    # Plain searches first: a MULTILINE regular expression over megabytes costs a tenth of a second.
    starts = data.count(b"\nfacts") + data.startswith(b"facts")
    if starts != 1:
        return None
    at = 0 if data.startswith(b"facts") else data.find(b"\nfacts") + 1
    return _FACTS_KEY.match(data, at)


def _parse_around(before: bytes, after: bytes) -> dict | None:
    """The file without its facts section: the text before it and after it, each parsed alone.

    Each part must be a whole mapping by itself; if the "facts:" line were inside something still
    open (a quoted scalar, a flow mapping), the part before it would not parse. A document marker in
    either part would make them one document here and two in the file: the general path decides.
    """
    parsed: dict = {}
    for n, part in enumerate((before, after)):
        try:
            text = part.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            return None
        if _DOCUMENT_MARKERS.search(text):
            return None
        data = parse_fast(text)
        if data is None and text.strip():
            try:
                data, _, problems = parse_checked(text, "")
            except YamlProblems:
                return None
            if problems:
                return None
        if data is None:
            data = {}
        if not isinstance(data, dict) or "facts" in data or parsed.keys() & data.keys():
            return None
        parsed.update(data)
        if n == 0:
            parsed["facts"] = []
    return parsed


def _passes_gate(columns: dict[str, Column]) -> bool:
    """The schema's column-wise gate (schema._GATE) on the scanner's columns: True only if every
    fact certainly passes `Fact`."""
    for name, (types, rule) in _GATE.items():
        column = columns[name]
        if not column.present <= {_KINDS[t] for t in types}:
            return False  # a wrong type, or a required field left out or empty
        if rule is None or not (column.counts[TEXT] or column.counts[LIST]):
            continue
        # Lengths are limits in characters; a value of no more bytes than that has no more characters.
        limit = 100_000 if rule == "text" else 200
        if column.max_bytes > limit:
            text = column.elements() if name == "tags" else column.text()
            if pc.max(pc.utf8_length(text)).as_py() > limit:
                return False
        if rule == "id" and column.not_ids:
            return False  # the scanner checked ^[a-z0-9][a-z0-9._-]*$ on every value
        if isinstance(rule, tuple) and not set(pc.unique(column.text().drop_null()).to_pylist()) <= set(rule):
            return False
    return True


def _figures_are_usable(columns: dict[str, Column]) -> bool:
    """No NaN, infinite or absurdly large figure: in a float64 column NaN means "not given", so
    those (errors anyway) are left to the general path, which names them."""
    for name in ("value", "low", "high"):
        column = columns[name]
        numbers = np.frombuffer(column.numbers, dtype=np.float64)
        given = numbers[(column.kind == INT) | (column.kind == FLOAT)]
        if not np.all(np.abs(given) <= 1e18):  # False for NaN too
            return False
    return True


def _frame(columns: dict[str, Column], count: int) -> pd.DataFrame:
    """The facts as the general path's record frame would hold them, but typed: text as Arrow-backed
    strings, all-number figures as float64, tags as Arrow lists (empty lists as missing, as
    `loader._compact` makes them). Columns that mix numbers and text hold Python objects."""
    index = pd.RangeIndex(count)
    out = {}
    for name in FACT_FIELDS:
        column = columns[name]
        if name == "tags":
            out[name] = _tags(column, index)
            continue
        present, kind = column.present, column.kind
        numbers = np.frombuffer(column.numbers, dtype=np.float64)
        amount = name in ("value", "low", "high")
        if present <= {NONE, TEXT} and not amount:
            out[name] = pd.Series(pd.array(column.text(), dtype="str"), index=index)
        elif present <= {NONE, INT, FLOAT} and amount:
            out[name] = pd.Series(np.where(kind == NONE, np.nan, numbers), index=index, dtype="float64")
        else:  # numbers and text mixed: Python objects, as the general path has them
            values = np.empty(count, dtype=object)
            is_int, is_float, is_text = kind == INT, kind == FLOAT, kind == TEXT
            # Whole numbers as Python ints where the general path would have them (dates given as a
            # year); figures as floats, which is what every figure becomes (errors go the general way).
            values[is_int | is_float] = numbers[is_int | is_float]
            if not amount:
                values[is_int] = [int(v) for v in numbers[is_int].tolist()]
            values[is_text] = column.text().filter(pa.array(is_text)).to_pylist()
            out[name] = pd.Series(values, index=index, dtype=object)
    return pd.DataFrame(out, index=index)


def _tags(column: Column, index: pd.RangeIndex) -> pd.Series:
    list_offsets = np.frombuffer(column.list_offsets, dtype=np.int64)
    missing = (column.kind != LIST) | (np.diff(list_offsets) == 0)
    tags = pa.ListArray.from_arrays(pa.array(list_offsets.astype(np.int32)), column.elements().cast(pa.string()),
                                    type=_TAGS, mask=pa.array(missing))
    return pd.Series(pd.array(tags, dtype=pd.ArrowDtype(_TAGS)), index=index)
