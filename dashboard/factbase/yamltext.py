"""Reading one YAML fact file: a fast parse for clean files, a located parse for everything else.

The fast path is rapidyaml (the C++ ryml): the text is parsed into its tree, written out as JSON and
read back with `json.loads`. It is used only when a cheap scan of the text shows none of the
constructs it reads differently from what we promise (tags, anchors and aliases, several documents,
deep nesting, YAML 1.1 line breaks); anything it cannot vouch for (a syntax error, a duplicate key,
a plain scalar whose type it cannot tell) sends the file down the located path, which composes
PyYAML nodes (libyaml when available) and walks them itself so that it can reject duplicate keys
and tags, bound alias expansion, and remember the line and column of every node. Plain scalars are
typed by the same function on both paths (`resolve_plain`), so both give the same data.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import json
import math
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import ryml
import yaml

from dashboard.factbase.errors import Problem

try:  # libyaml's composer is ~5x faster; PyYAML without it still works, slower.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

MAX_DEPTH = 64
_IMPLICIT = "?implicit"

# What the fast path reads differently from the located one, or could spend long on, as found by
# fuzzing the two against each other: tags (!), anchors (&) and aliases (*), which its JSON drops or
# keeps as text; directives and document markers; flow mappings, and mappings or collections inside
# flow sequences ("[a:]"); explicit keys ("? [a, b]"); merge keys ("<<"); a scalar that starts with
# a character YAML reserves (@, `, %) or a closing bracket, which rapidyaml reads as text, or with
# | or > (block scalars, whose last line break at the end of a file the two keep differently); tabs,
# which the two fold differently; NEL, LS and PS, line breaks to YAML 1.1 only; and very deep indentation (the
# located path measures depth before composing); and \u escapes, which may name a lone surrogate.
# A lone "!" (the non-specific tag) counts too.
_FLOW_PAIR = re.compile(rb"\[[^\]]*[\[{:?]")  # a collection, a "key:" or a "?" inside a flow sequence
_DOCUMENT_MARKERS = re.compile(rb"^(?:[ ]*(?:---|\.\.\.)|%)", re.MULTILINE)
_EXPLICIT_KEY = re.compile(rb"(?:^|[\[,])[ \t-]*\?(?:[ \t]|$)", re.MULTILINE)  # "? [a, b]": a key that is not text
# Tab, NEL, LS, PS (as UTF-8), a flow mapping, and indentation deeper than the located path reads.
_LOCATED_ONLY = (b"\t", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"{", b"\n" + b" " * (MAX_DEPTH + 1))


def utf8(source: str | bytes) -> bytes:
    """A fact file's text as UTF-8 bytes, without a byte order mark: what the fast path reads (the
    loader's bytes, once `checked_source` has checked them, are used as they are)."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


class Lines:
    """A file's UTF-8 bytes and where its line breaks are, found once for the scans that need them
    (long keys, the parse's size, the line of each fact): each search of a large file costs 10 ms."""

    def __init__(self, data: bytes):
        self.data = data
        self.raw = np.frombuffer(data, dtype=np.uint8)

    @functools.cached_property
    def breaks(self) -> np.ndarray:
        return np.flatnonzero(self.raw == 10)


def needs_located_parse(source: str | bytes | Lines) -> bool:
    """Whether a file's text (or its UTF-8 bytes) holds anything the fast path does not read as the
    located one does."""
    try:
        lines = source if isinstance(source, Lines) else Lines(utf8(source))
    except UnicodeError:  # a lone surrogate in a text: only the located path reads (and refuses) it
        return True
    data = lines.data
    # Substring tests run at memchr speed; the regular expressions only where one of them hits. A
    # text of ASCII only (one pass tells) holds none of the line breaks of YAML 1.1.
    located_only = _LOCATED_ONLY if not data.isascii() else _LOCATED_ONLY[:1] + _LOCATED_ONLY[4:]
    if any(part in data for part in located_only):
        return True
    # A \u escape: rapidyaml reads a lone surrogate ("\ud800") that PyYAML refuses. (One memchr for
    # a backslash first: most files have none, and each two-character search costs 20 ms on 24 MB.)
    if has_control_escape(data):
        return True
    if b"[" in data and _FLOW_PAIR.search(data):
        return True
    if b"?" in data and _EXPLICIT_KEY.search(data):
        return True
    if _may_hold_document_marker(data) and _DOCUMENT_MARKERS.search(data):
        return True
    return _has_marked_token(lines)


def _may_hold_document_marker(data: bytes) -> bool:
    """Whether `data` may hold a directive or a document marker: a "%", or three dashes or dots in a
    row. Found with numpy: a substring search for "---" takes 20 ms on a file of dates and ids, whose
    dashes it stops at one by one."""
    if b"%" in data:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)
    dash_or_dot = (raw == ord("-")) | (raw == ord("."))
    return bool(np.any(dash_or_dot[:-2] & dash_or_dot[1:-1] & dash_or_dot[2:]))


# Characters that change what follows them where a token starts: tags, anchors and aliases (! & *)
# after a space, a line break, a bracket, a comma or a quote; what YAML reserves or reads as a block
# scalar (@ ` ] } | > %) where a plain scalar would start; and the merge key "<<" anywhere. Marks
# in a comment line (a generated file's header) or inside a quoted value that opens on their own
# line (`title: "Post by @DefenceHQ"`) are text and do not count.
_MARK_BYTES = [bytes([mark]) for mark in b"!&*@`]}|>%<"]
_AFTER = (
    {ord(c): set(b" \n[]{},'\"") for c in "!&*"} | {ord(c): set(b" \n[,") for c in "@`}|>%"} | {ord("]"): set(b" \n,")}
)  # "[]" is an empty list
_TOKEN_STARTS = np.zeros((256, 256), dtype=bool)  # [mark, the byte before it]
for _mark, _before in _AFTER.items():
    _TOKEN_STARTS[_mark, list(_before)] = True
_COMMENT_LINE = re.compile(rb"[ ]*#")
_IN_QUOTES = re.compile(rb"""[ ]*(?:- )*[^"'#:\s][^"'#:]*: (?:"(?:[^"\\]|\\.)*|'(?:[^']|'')*)""")


def _has_marked_token(lines: Lines) -> bool:
    """Whether a marked character starts a token, or a key may be longer than PyYAML reads as a key.

    Done on the bytes with numpy: the marked characters are found, and only those few places are
    looked at."""
    data, raw = lines.data, lines.raw
    # Only the marks the text holds are looked for (one memchr each tells): a table lookup of every
    # byte cost 50 ms on 24 MB, a comparison per mark present 4 ms.
    present = [mark for mark in _MARK_BYTES if mark in data]
    at = np.flatnonzero(np.logical_or.reduce([raw == mark[0] for mark in present])) if present else ()
    if len(at):
        marks = raw[at]
        starts = (at == 0) | _TOKEN_STARTS[marks, raw[np.maximum(at - 1, 0)]]
        merge = (marks == ord("<")) & (raw[np.minimum(at + 1, len(raw) - 1)] == ord("<")) & (at + 1 < len(raw))
        for position in at[starts & (marks != ord("<")) | merge].tolist():
            line_start = data.rfind(b"\n", 0, position) + 1
            in_text = _COMMENT_LINE.match(data, line_start, position) or _IN_QUOTES.fullmatch(
                data, line_start, position
            )
            if not in_text:
                return True
    return _has_long_key(lines)


def _has_long_key(lines: Lines) -> bool:
    """Whether a line may hold a key of over 1,024 characters, which PyYAML does not read as a key
    (rapidyaml does): a line longer than that whose first ": " comes later."""
    data = lines.data
    if len(data) <= 1024:
        return False
    breaks = lines.breaks
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(data)]))
    long = ends - starts > 1024
    for start, end in zip(starts[long].tolist(), ends[long].tolist(), strict=True):
        colon = _KEY_END.search(data, start, end)
        if colon is not None and colon.start() - start > 1024:
            return True
    return False


_KEY_END = re.compile(rb":(?:[ \t]|$)", re.MULTILINE)


@dataclass
class Located:
    """Where each node of a parsed file sits: paths such as ('facts', 3, 'as_of') -> (line, column)."""

    values: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    keys: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, path: tuple) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest located ancestor."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def of_key(self, path: tuple) -> tuple[int, int]:
        return self.keys.get(path) or self.of_value(path)


class YamlProblems(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


def decode(data: bytes, file: str) -> str:
    """Bytes to text; a file that is not UTF-8 is reported at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[err.start]:02x}); save it as UTF-8"
        raise YamlProblems([Problem(file, line, column, message)]) from None
    if _has_control_byte(data) or "\ufffe" in text or "\uffff" in text or b"\xc2" in data and _C1_BYTES.search(data):
        found = _CONTROL.search(text)  # ~1 ms per MB above; this search runs only on a hit
        assert found is not None
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise YamlProblems(
            [
                Problem(
                    file,
                    line,
                    column,
                    f"the character U+{ord(found.group()):04X} (a control "
                    "character or a non-character) is not allowed in a fact file; remove it",
                )
            ]
        )
    return text.removeprefix("\ufeff")  # a BOM is allowed by YAML; editors on Windows add one


def checked_source(data: bytes, file: str) -> str | bytes:
    """A fact file's bytes checked as `decode` checks them, without decoding what need not be: bytes
    of ASCII only (one pass tells) are UTF-8 and hold no non-character, so they come back as they
    are when they hold no control character; any other content comes back as its text."""
    if data.isascii() and not _has_control_byte(data):
        return data
    return decode(data, file)


def _has_control_byte(data: bytes) -> bool:
    """Whether `data` holds a C0 control character other than tab, line feed and carriage return, or
    DEL. Counted with numpy first: when every byte under 32 is a line feed, there is none (4 ms on
    24 MB; deleting the allowed ones and comparing lengths, for files with tabs or CRs, takes 18)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if b"\x7f" not in data and np.count_nonzero(raw < 32) == np.count_nonzero(raw == 10):
        return False
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


# C0 control characters other than tab, line feed and carriage return, DEL, and C1 controls other
# than NEL: YAML forbids them, and the fast parser would let them through into the data.
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13)) + b"\x7f"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_C1_BYTES = re.compile(b"\xc2[\x80-\x84\x86-\x9f]")
# A double-quoted escape that may stand for one of those characters (\0 \a \b \e \v \f \x..): a
# file with one goes the located way, where every string is checked after unescaping.
_CONTROL_ESCAPE = re.compile(rb"\\[0abefvx]")


def has_control_escape(source: str | bytes) -> bool:
    """Whether a text may hold an escape of a forbidden character (one memchr when it has no backslash)."""
    if isinstance(source, str) and "\\" not in source:
        return False
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    return b"\\" in data and (b"\\u" in data or b"\\U" in data or _CONTROL_ESCAPE.search(data) is not None)


def forbidden_characters(data: object, path: tuple = ()) -> list[tuple[tuple, str, str]]:
    """(node path, message, "key"|"value") for each string of parsed data that holds a character
    `decode` refuses in the raw text, written as an escape ("\\e", "\\0", "\\uFFFE")."""
    found: list[tuple[tuple, str, str]] = []
    stack = [(data, path)]
    while stack:  # a list of work, not recursion: nesting is bounded by the parser, not here
        node, at = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and _CONTROL.search(key):
                    found.append(((*at, key), _escaped_message(key), "key"))
                stack.append((value, (*at, key)))
        elif isinstance(node, list):
            stack.extend((value, (*at, i)) for i, value in enumerate(node))
        elif isinstance(node, str) and _CONTROL.search(node):
            found.append((at, _escaped_message(node), "value"))
    return sorted(found, key=lambda f: str(f[0]))


def _escaped_message(text: str) -> str:
    character = _CONTROL.search(text).group()  # type: ignore[union-attr]
    return (
        f"the character U+{ord(character):04X} (a control character or a non-character, written as an "
        "escape) is not allowed in a fact file; remove it"
    )  # C1 controls in UTF-8 (U+0085, NEL, is a line break)


@dataclass
class FastRead:
    """A file as the fast path read it: everything but its facts as data ("facts" holding [] when
    the file lists facts), and the facts as a table: one text column per field (a number as the
    text JSON writes it, which reads as the same figure or date), tags as lists of text."""

    data: dict
    facts: pa.Table | None  # None: no list of facts in the file
    lines: Lines | None = None  # the bytes read, for the line of each fact
    items: ListItems | None = None  # where the facts' items are, when the scan found them


def read_fast(source: str | bytes) -> FastRead | None:
    """The file (its text, or its UTF-8 bytes as `checked_source` passed them) read the fast way,
    or None when it must go down the located path.

    None is never an answer about the data (an empty file is None on the located path too): the
    caller reads the text the located way then. The facts are written out as JSON on their own and
    read by pyarrow's JSON reader straight into columns, which refuses what the schema refuses
    (a number or a list where text belongs, a key it does not know, a key given twice)."""
    try:
        lines = Lines(utf8(source))
    except UnicodeError:  # a lone surrogate in a text: the located path says what is wrong
        return None
    if needs_located_parse(lines):
        return None
    raw = lines.data
    items = list_items(lines, "facts")
    pieces_ok = _in_pieces(lines, items)
    try:
        with _without_ryml_messages():
            if pieces_ok:
                # The file without its facts' items ("facts: []"), and the items a few thousand at a time.
                tree = ryml.parse_in_arena(raw[: items.key] + b"facts: []\n" + raw[items.end :])
                listed = _facts_json(lines, items)
            else:
                tree = _parse(lines)
            root = tree.root_id()
            if not tree.is_map(root):  # empty, a list, a scalar: the located path says what is wrong
                return None
            pieces, facts = [], None
            for child in ryml.children(tree, root):
                key = tree.key(child) if tree.has_key(child) else None
                if key is None:  # an empty key (": x"): the located path says what is wrong
                    return None
                if facts is None and tree.is_seq(child) and bytes(key) == b"facts":
                    facts = listed if pieces_ok else _json_of(tree, child, len(raw))
                    pieces.append('"facts": []')
                else:
                    pieces.append(ryml.emit_json(tree, child).rstrip())
        written = "{" + ",".join(pieces) + "}"
        # YAML keeps the last of two equal keys silently; the JSON keeps both, and is refused here.
        # Numbers are typed from their text by the same rules as on the located path.
        data = json.loads(
            written,
            object_pairs_hook=_refuse_duplicates,
            parse_int=resolve_plain,
            parse_float=resolve_plain,
            parse_constant=_not_json,
        )
        if _holds_suspects(written):
            data = _typed_like_plain(data, written, tree)
            if data is None:
                return None
        if facts is None:
            return FastRead(data, None, lines, items)
        table = _facts_table(*facts)
    # JSONDecodeError is a ValueError; a lone surrogate ("\ud800") cannot be Arrow text (UnicodeError).
    except (ryml.ExceptionBasic, ValueError, RecursionError, UnicodeError):
        return None
    return FastRead(data, table, lines, items) if table is not None else None


def _holds_suspects(written: str | pa.LargeStringArray) -> bool:
    if isinstance(written, str):
        written = pa.array([written], type=pa.large_string())
    return pc.match_substring_regex(written, _MAYBE_TYPED.pattern)[0].as_py()


FACT_TABLE_SCHEMA = pa.schema(
    [
        (name, pa.large_string())
        for name in (
            "id",
            "metric",
            "value",
            "low",
            "high",
            "qualifier",
            "as_of",
            "since",
            "stated",
            "claimant",
            "source",
            "via",
            "quote",
            "stage",
            "note",
        )
    ]
    + [("tags", pa.list_(pa.large_string()))]
)
# The list's items are written at two spaces: "  {", "  }" or "  },"; anything else there is not a
# mapping, and is the located path's to report (pyarrow 26's JSON reader crashes the process on a
# top-level null row, so it never sees one).
_NOT_AN_OBJECT_ITEM = r"^  (?:[^ {}]|\}[^,\n])"


# List items parsed at a time: one tree of 100,000 facts is a million nodes (150 MB written page by
# page, 0.1 to 0.3 s of page faults here), a reused tree of 5,000 is 7 MB, written once.
_ITEMS_AT_A_TIME = 5000
_BARE_FACTS_KEY = re.compile(rb"facts:(?:[ ]*|[ ]+#[^\n]*)\r?\n?")


def _in_pieces(lines: Lines, items: ListItems | None) -> bool:
    """Whether the facts' `items` can be read in pieces: more than one piece of them, after a
    `facts:` key alone on its line and nothing else (blank and comment lines aside)."""
    if items is None or len(items.starts) <= _ITEMS_AT_A_TIME or not items.clean:
        return False
    key_line = lines.data[items.key : lines.data.find(b"\n", items.key) + 1 or len(lines.data)]
    return _BARE_FACTS_KEY.fullmatch(key_line) is not None


def _facts_json(lines: Lines, items: ListItems) -> tuple[pa.LargeStringArray, np.ndarray]:
    """The facts' list as rapidyaml's JSON (as `_json_of` gives it), its items parsed a few thousand
    at a time into one reused tree: each piece, a list at the items' indentation, is YAML on its own
    (what could tie items together, anchors and aliases, sends a file the located way). The pieces'
    JSON are written one after another, and the brackets between them blanked: one list."""
    source = memoryview(lines.data)
    bounds = items.starts[::_ITEMS_AT_A_TIME].tolist() + [items.end]
    buffer = np.empty((items.end - bounds[0]) * 2 + 1024, dtype=np.uint8)
    tree, at, brackets = ryml.Tree(), 0, []
    for begin, end in itertools.pairwise(bounds):
        tree.clear()
        tree.clear_arena()
        ryml.parse_in_arena(source[begin:end], tree)
        if not tree.is_seq(tree.root_id()):
            raise ValueError("a piece of the facts is not a list")
        while True:
            try:
                written = ryml.emit_json_in_place(tree, memoryview(buffer)[at:], tree.root_id())
                break
            except IndexError:  # too small: twice the size (never seen: JSON is 1.3 times the YAML)
                buffer = np.concatenate((buffer, np.empty(len(buffer), dtype=np.uint8)))
        piece = len(written)
        closing = at + piece - 1 - (buffer[at + piece - 1] == 10)
        if buffer[at] != ord("[") or buffer[closing] != ord("]"):
            raise ValueError("a piece of the facts is not written as a list")
        brackets += [at, closing]
        at += piece
    buffer[brackets[1:-1]] = 32
    data = buffer[:at]
    offsets = pa.py_buffer(np.array([0, at], dtype=np.int64))
    return pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)), data


def _json_of(tree: ryml.Tree, node: int, size_hint: int) -> tuple[pa.LargeStringArray, np.ndarray]:
    """rapidyaml's JSON of one node, written into a buffer of our own (no Python string of it), as
    one Arrow text value, and the same bytes as a writable array (the value is a view of them)."""
    # numpy's memory, not a bytearray: left unwritten (a bytearray is zeroed, page by page) and, at
    # this size, in huge pages where the system allows them.
    buffer = np.empty(size_hint * 2 + 1024, dtype=np.uint8)  # JSON of block YAML: about 1.3 times its size
    try:
        written = ryml.emit_json_in_place(tree, memoryview(buffer), node)
    except IndexError:  # the buffer was too small; this is the size it needs
        buffer = np.empty(ryml.compute_json_length(tree, node), dtype=np.uint8)
        written = ryml.emit_json_in_place(tree, memoryview(buffer), node)
    offsets = pa.py_buffer(np.array([0, len(written)], dtype=np.int64))
    data = buffer[: len(written)]
    return pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)), data


def _facts_table(written: pa.LargeStringArray, data: np.ndarray) -> pa.Table | None:
    """The facts list (rapidyaml's JSON of it, `"facts": [...]`, and its bytes, writable) as a
    table; None when the located path must read it: a suspect plain scalar, a key with no value, an
    item that is not a mapping, or anything pyarrow refuses."""
    if pc.match_substring_regex(written, _NOT_FOR_THE_TABLE)[0].as_py():
        return None
    # One object after another, as pyarrow reads JSON: the comma after each item ("\n  },": its
    # items are written at two spaces, and no text holds a raw line break) becomes a space, in place.
    braces = np.flatnonzero(data[3:-1] == ord("}")) + 3
    braces = braces[(data[braces - 1] == 32) & (data[braces - 2] == 32) & (data[braces - 3] == 10)]
    data[braces[data[braces + 1] == ord(",")] + 1] = 32
    objects = _figures_as_text(data)
    # Without the list's brackets: `"facts": [` opens it, and `]` (then a line break) closes it.
    start = objects[:64].tobytes().index(b"[") + 1
    tail = objects[-64:].tobytes()
    end = len(objects) - (len(tail) - tail.rindex(b"]"))
    body = pa.py_buffer(objects[start:end])
    if body.size < 64 and not body.to_pybytes().strip():
        return FACT_TABLE_SCHEMA.empty_table()
    try:
        return pa_json.read_json(
            pa.BufferReader(body),
            parse_options=pa_json.ParseOptions(
                explicit_schema=FACT_TABLE_SCHEMA, newlines_in_values=True, unexpected_field_behavior="error"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


# Figures and dates may be numbers or text in YAML; they are read as text (the number as the JSON
# writes it, which reads as the same figure or date), since a column has one type. Each key as the
# eight bytes before a colon end with it (`  "low"` padded with what precedes it), and a mask of its own bytes.
_FIGURE_KEYS = [
    (
        np.frombuffer(f'"{name}"'.encode().rjust(8, b"\0"), dtype=np.uint64)[0],
        np.frombuffer(bytes(8 - len(name) - 2) + b"\xff" * (len(name) + 2), dtype=np.uint64)[0],
    )
    for name in ("value", "low", "high", "as_of", "since", "stated")
]
_LONGEST_NUMBER = 40  # bytes a number's text is looked through for its end; a longer one is found by search


def _number_end(text: bytes, start: int) -> int:
    return min(p for p in (text.find(b",", start), text.find(b"\n", start), len(text)) if p >= 0)


def _figures_as_text(data: np.ndarray) -> np.ndarray:
    """The JSON's bytes with each number given to a figure or a date key put in quotes: `"value": 12`
    becomes `"value": "12"`. Found with numpy around the colons (a regular expression's replace over
    the whole text took twice as long): a key's closing quote, a colon, a space, then a digit or a
    minus; the number runs to its line's end, before a comma (rapidyaml writes one value a line)."""
    colons = np.flatnonzero(data[8:-2] == ord(":")) + 8
    after = data[colons + 2]
    colons = colons[
        (data[colons - 1] == ord('"')) & (data[colons + 1] == 32) & (((after >= 48) & (after <= 57)) | (after == 45))
    ]
    keys = np.ascontiguousarray(data[colons[:, None] + np.arange(-8, 0)]).view(np.uint64)[:, 0]
    keyed = np.zeros(len(colons), dtype=bool)
    for key, mask in _FIGURE_KEYS:
        keyed |= (keys & mask) == key
    starts = colons[keyed] + 2
    if not len(starts):
        return data
    # Where each number ends: the first comma or line break after it.
    window = data[np.minimum(starts[:, None] + np.arange(_LONGEST_NUMBER), len(data) - 1)]
    stop = (window == ord(",")) | (window == 10)
    ends = starts + stop.argmax(axis=1)
    far = ~stop.any(axis=1)
    if far.any():
        text = data.tobytes()
        ends[far] = [_number_end(text, start) for start in starts[far].tolist()]
    # The quotes inserted: every byte moves right by the quotes before it.
    inserted = np.column_stack((starts, ends)).ravel() + np.arange(2 * len(starts))
    out = np.empty(len(data) + len(inserted), dtype=np.uint8)
    kept = np.ones(len(out), dtype=bool)
    kept[inserted] = False
    out[kept] = data
    out[inserted] = ord('"')
    return out


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)


@dataclass(frozen=True)
class ListItems:
    """Where a top-level list's items are in a file's bytes."""

    key: int  # where the line of its key ("facts:") starts
    end: int  # where the list ends: the next top-level key's line, or the end of the file
    starts: np.ndarray  # where each item's line starts
    dashes: np.ndarray  # where each item's dash is
    clean: bool  # the first line after the key that is not blank or a comment is the first item


def list_items(lines: Lines, section: str) -> ListItems | None:
    """Where the items of a top-level list are, by looking at the bytes around line breaks and
    dashes (vectorised: a 100k-fact file has a million lines); None when the file has no such key."""
    data, raw, breaks = lines.data, lines.raw, lines.breaks
    line_starts = np.concatenate(([0], breaks + 1))
    line_starts = line_starts[line_starts < len(data)] if len(data) else line_starts[:0]
    first_bytes = raw[line_starts]
    # Top-level keys start with a letter or "_" in the first column; only those lines are read as text.
    candidates = np.flatnonzero(((first_bytes | 32) >= 97) & ((first_bytes | 32) <= 122) | (first_bytes == 95))
    keys = []
    for line in candidates.tolist():
        begin = int(line_starts[line])
        match = _TOP_KEY.match(data[begin : data.find(b"\n", begin) % (len(data) + 1)].decode("utf-8", "surrogatepass"))
        if match:
            keys.append((line, match.group(1)))
    for n, (line, name) in enumerate(keys):
        if name == section:
            first_line, end_line = line, keys[n + 1][0] if n + 1 < len(keys) else len(line_starts)
            break
    else:
        return None
    key = int(line_starts[first_line])
    begin = int(line_starts[first_line + 1]) if first_line + 1 < len(line_starts) else len(data)
    end = int(line_starts[end_line]) if end_line < len(line_starts) else len(data)
    # The list's own items are the "- " at the indentation of the first one (YAML requires it): a
    # deeper line has a space there, and no line of an item starts "- " at that indentation.
    first = next(
        (
            int(start)
            for start in line_starts[first_line + 1 : end_line].tolist()
            if data[start : start + 129].lstrip(b" ")[:1] not in (b"#", b"\n", b"\r", b"")
        ),
        None,
    )
    if first is None:
        nothing = np.zeros(0, dtype=np.int64)
        return ListItems(key, end, nothing, nothing, True)
    depth = len(data[first : first + 129]) - len(data[first : first + 129].lstrip(b" "))
    dashes = np.flatnonzero(raw[begin:end] == 45) + begin  # every "-" of the section
    dashes = dashes[dashes - depth >= begin]
    # A dash `depth` columns into its line, spaces before it, then a space or the line's end.
    item = dashes[(dashes - depth == begin) | (raw[np.maximum(dashes - depth - 1, 0)] == 10)]
    for offset in range(1, depth + 1):
        item = item[raw[item - offset] == 32]
    after = raw[np.minimum(item + 1, len(raw) - 1)]
    item = item[(item + 1 == len(raw)) | (after == 32) | (after == 10) | (after == 13)]
    return ListItems(key, end, item - depth, item, bool(len(item)) and int(item[0]) - depth == first)


def item_lines(lines: Lines, section: str, items: ListItems | None = None) -> np.ndarray | None:
    """The line of each item of a top-level list (its `items`, when found already); None when the
    file has no such key."""
    items = items or list_items(lines, section)
    if items is None:
        return None
    return np.searchsorted(lines.breaks, items.dashes) + 1  # lines count from 1: the breaks before it, plus one


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("duplicate key")
    return mapping


def _parse(lines: Lines) -> ryml.Tree:
    """rapidyaml's tree of `data`, its nodes reserved at once: grown by doubling, the tree's node
    array is copied at each step, and the pages written (a million nodes of about 150 bytes) cost
    more in page faults than the parse itself. A node is one per line, one more per list item (its
    mapping) and one per item of a flow sequence (a comma or a closing bracket after it), counted
    high; a file that needs more grows as usual."""
    data, raw = lines.data, lines.raw
    nodes = len(lines.breaks) + data.count(b"- ") + np.count_nonzero((raw == ord(",")) | (raw == ord("]"))) + 16
    tree = ryml.Tree()
    tree.reserve(int(nodes))
    return ryml.parse_in_arena(data, tree)


@contextlib.contextmanager
def _without_ryml_messages():
    """rapidyaml prints each parse error on stderr before raising it; a curator sees the located
    path's message instead (with its file:line:column). Standard error is caught in a temporary file
    for the call (the descriptor is the process's: one call at a time) and written back without
    rapidyaml's lines, so what other threads wrote meanwhile is kept."""
    with _STDERR_LOCK:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as caught:
            os.dup2(caught.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                caught.seek(0)
                kept = _RYML_MESSAGE.sub(b"", caught.read())
                if kept:
                    os.write(2, kept)


_STDERR_LOCK = threading.Lock()
_RYML_MESSAGE = re.compile(rb"line=\d+ col=\d+ \(\d+B\): ERROR: [^\n]*\n(?:[^\n]*\(detected here\)\n)?")

# A JSON string that may have been a plain scalar of another type: what rapidyaml writes as text when
# it is plain although `resolve_plain` types it (measured over every token of up to four number-like
# characters): `~` and the capitalised words for null and the booleans, .inf and .nan, numbers with
# "_", and numbers that start with 0 (0x1F, 0o17, 0b1, 007, 0e5). Keys are always written as text:
# one that may be a number or a word for null or a boolean counts too. Found by RE2 in one pass over
# the JSON; a match is rare, and only then is the tree asked which of them were plain.
_MAYBE_TYPED = re.compile(
    r'"(?:~|Null|NULL|True|TRUE|False|FALSE|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)'
    r'|[-+]?0[0-9a-zA-Z._+-]+|[-+]?(?:_|[.0-9][0-9a-zA-Z.+-]*_)[0-9a-zA-Z._+-]*)"'
    r'|"(?:[-+]?[._0-9][^"\\]*|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|)": '
)


# What the facts' table cannot hold as the located path would read it, in one pass over the JSON: a
# key with no value, an item that is not a mapping, a plain scalar YAML may type otherwise.
_NOT_FOR_THE_TABLE = "(?m)" + '": null|' + _NOT_AN_OBJECT_ITEM + "|" + _MAYBE_TYPED.pattern


def _typed_like_plain(data: object, written: str, tree: ryml.Tree) -> object | None:
    """`data` with each plain scalar that the JSON left as text typed as `resolve_plain` types it;
    None (the located path decides) when such a scalar is a key (`1:`, `~:`)."""
    suspects = {found.removesuffix(": ")[1:-1] for found in _MAYBE_TYPED.findall(written)}
    suspects = {s for s in suspects if type(resolve_plain(s)) is not str}
    found: list[tuple[tuple, str]] = []
    if suspects and not _find_texts(data, (), suspects, found):
        return None
    for path, _ in found:
        node = tree.root_id()
        for step in path:
            node = tree.child(node, step) if isinstance(step, int) else tree.find_child(node, step.encode("utf-8"))
        if tree.is_val_plain(node):
            data = _set(data, path, resolve_plain(bytes(tree.val(node)).decode("utf-8")))
    return data


def _find_texts(value: object, path: tuple, suspects: set[str], found: list) -> bool:
    """Collect the paths of the suspect texts in `value`; False if one of them is a key."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in suspects:
                return False
            if (type(item) is str and item in suspects) or isinstance(item, (dict, list)):
                if not _find_texts(item, path + (key,), suspects, found):
                    return False
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if (type(item) is str and item in suspects) or isinstance(item, (dict, list)):
                if not _find_texts(item, path + (i,), suspects, found):
                    return False
    elif type(value) is str and value in suspects:
        found.append((path, value))
    return True


def _set(data: object, path: tuple, value: object) -> object:
    """`data` with the value at `path` replaced (the whole of it for the empty path)."""
    if not path:
        return value
    inner = data
    for step in path[:-1]:
        inner = inner[step]  # type: ignore[index]
    inner[path[-1]] = value  # type: ignore[index]
    return data


def parse_located(text: str, file: str) -> tuple[object, Located]:
    """Parse with positions, rejecting duplicate keys, tags and alias bombs; raise YamlProblems."""
    data, located, problems = parse_checked(text, file)
    if problems:
        raise YamlProblems(problems)
    return data, located


def parse_checked(text: str, file: str) -> tuple[object, Located, list[Problem]]:
    """Like `parse_located`, but a duplicate key, a tag or an alias bomb is reported alongside the data
    (the first value kept, the offending node left out) so that the rest of the file is still checked.
    A syntax error raises YamlProblems: nothing after it can be trusted."""
    try:
        # Flow brackets, or block indentation past 64 columns, are what nest deeply: measure the depth
        # first, so that every libyaml version gives the same answer at the same place.
        deep = f"\n{' ' * (MAX_DEPTH + 1)}"  # str.find first: a regex over 10 MB costs a tenth of a second
        if text.count("[") + text.count("{") > MAX_DEPTH or (deep in text or text.startswith(deep[1:])):
            _check_depth(text, file)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        if "nesting depth" in str(err.problem):
            # Newer libyaml (PyYAML 6.0.4) stops at its own limit (1,000 levels) while scanning
            # ahead, before the events reach ours: find our level with the pure-Python parser.
            _check_depth(text, file, loader=yaml.SafeLoader)
        mark = err.problem_mark or err.context_mark
        line, column = _position(mark, _line_feeds(text)) if mark else (1, 1)
        what = err.problem or "invalid YAML"
        lines = text.split("\n")
        if line > len(lines):  # libyaml puts the end of a file without a final newline on the line after it
            line, column = len(lines), len(lines[-1]) + 1
        bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in bad_line[:column] or bad_line[column - 1 : column] == "\t":
            what = "a tab character; YAML indentation must use spaces"
        context = f" ({err.context})" if err.context else ""
        raise YamlProblems([Problem(file, line, column, f"YAML syntax error: {what}{context}")]) from None
    except yaml.reader.ReaderError as err:  # a character YAML forbids (e.g. U+FFFE, a C1 control)
        at = err.position
        if _BaseLoader is not yaml.SafeLoader:  # libyaml counts UTF-8 bytes, not characters
            at = len(text.encode("utf-8")[:at].decode("utf-8", "ignore"))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise YamlProblems(
            [
                Problem(
                    file, line, column, f"the character U+{err.character:04X} is not allowed in a YAML file; remove it"
                )
            ]
        ) from None
    except yaml.YAMLError as err:
        raise YamlProblems([Problem(file, 1, 1, f"YAML error: {err}")]) from None
    except RecursionError:
        raise YamlProblems(
            [Problem(file, 1, 1, f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)")]
        ) from None
    located = Located()
    if node is None:
        return None, located, []
    walker = _Walker(file, located, budget=100_000 + len(text), line_feeds=_line_feeds(text))
    data = walker.construct(node, (), 0)
    return (None if data is _REFUSED else data), located, walker.problems


def _check_depth(text: str, file: str, loader: type | None = None) -> None:
    """Raise YamlProblems at the first collection nested more than MAX_DEPTH deep.

    libyaml's composer recurses in C once per level: some ten thousand nested '[' crash the
    process (SIGSEGV) before Python's recursion limit can help. Its event parser does not
    recurse, so the depth is measured on the events first (a fifth of the composer's time).
    """
    depth = 0
    for event in yaml.parse(text, Loader=loader or _Loader):
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the walker counts the top level as 0, the events as 1
                line, column = _position(event.start_mark, _line_feeds(text))
                raise YamlProblems([Problem(file, line, column, f"nested too deeply (more than {MAX_DEPTH} levels)")])
        elif isinstance(event, _CLOSES):
            depth -= 1


_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Composes nodes only; every tag resolution is deferred to `_Walker` (explicit tags stay visible)."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001 - PyYAML's signature
        return _IMPLICIT


def _line_feeds(text: str) -> list[int] | None:
    """Where the text's line feeds are, when YAML also breaks lines elsewhere (a lone CR, NEL, U+2028,
    U+2029): PyYAML counts those as line breaks and an editor does not, so positions are counted
    again from the character index. None when PyYAML's lines are the editor's (the usual case)."""
    # str's own search first: the regex alone takes a tenth of a second over 10 MB.
    if not any(c in text for c in "\x85\u2028\u2029") and ("\r" not in text or not _OTHER_BREAKS.search(text)):
        return None
    return [m.start() for m in re.finditer("\n", text)]


_OTHER_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


def _position(mark: yaml.Mark, line_feeds: list[int] | None) -> tuple[int, int]:
    """A mark's line and column (from 1) as an editor counts them."""
    if line_feeds is None:
        return mark.line + 1, mark.column + 1
    before = bisect.bisect_left(line_feeds, mark.index)
    return before + 1, mark.index - (line_feeds[before - 1] + 1 if before else 0) + 1


class _Walker:
    def __init__(self, file: str, located: Located, budget: int, line_feeds: list[int] | None = None):
        self.file = file
        self.located = located
        self.budget = budget
        self.line_feeds = line_feeds
        self.problems: list[Problem] = []
        self.seen: set[int] = set()

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.file, *_position(node.start_mark, self.line_feeds), message))

    def construct(self, node: yaml.Node, path: tuple, depth: int) -> object:
        """The node's value; _REFUSED for a node reported here (an item keeps its place in a list as
        None; a mapping leaves the key out, so that nothing else is said about a value not read)."""
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self._problem(
                    node,
                    "aliases expand to more nodes than the file holds characters "
                    "(an alias bomb?); write the values out instead",
                )
            return _REFUSED
        if depth > MAX_DEPTH:
            self._problem(node, f"nested too deeply (more than {MAX_DEPTH} levels)")
            return _REFUSED
        self.located.values.setdefault(path, _position(node.start_mark, self.line_feeds))
        if node.tag != _IMPLICIT:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(node, f"YAML tags such as '{tag}' are not allowed in fact files; remove the tag")
            return _REFUSED
        if isinstance(node, yaml.ScalarNode):
            if node.style:  # quoted or block scalar: always text, even '2025-01-09' or '500'
                return node.value
            return resolve_plain(node.value)
        if isinstance(node, yaml.SequenceNode):
            items = [self.construct(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
            return [None if item is _REFUSED else item for item in items]
        assert isinstance(node, yaml.MappingNode)
        result: dict = {}
        first_seen: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "mapping keys must be plain text")
                continue
            key = key_node.value if key_node.style else resolve_plain(key_node.value)
            if key_node.value == "<<" and not key_node.style:
                self._problem(key_node, "merge keys ('<<') are not allowed in fact files; write the keys out")
                continue
            try:
                hash(key)
            except TypeError:
                self._problem(key_node, "mapping keys must be plain text")
                continue
            if key in result or key in first_seen:
                line = first_seen[key]
                self._problem(
                    key_node,
                    f"duplicate key '{key}' (first at line {line}); YAML would silently "
                    "keep only the last one: remove or rename one of them",
                )
                continue
            where = _position(key_node.start_mark, self.line_feeds)
            first_seen[key] = where[0]
            self.located.keys[path + (key,)] = where
            value = self.construct(value_node, path + (key,), depth + 1)
            if value is not _REFUSED:
                result[key] = value
        return result


_REFUSED = object()


_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DIGIT = re.compile(r"[0-9]")  # only ASCII digits make numbers; a regex scans a 10 MB scalar in C
_INT = re.compile(r"[-+]?[0-9]+")
_BASED = re.compile(r"([-+]?)0([xXoObB])([0-9a-fA-F]+)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_LOOSE_UNDERSCORE = re.compile(r"(?:^|[^0-9a-fA-F])_|_(?:$|[^0-9a-fA-F])")
_NONZERO = re.compile(r"[1-9]")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}


# No figure needs a thousand digits; Python refuses to turn over 4,300 into an int (or back).
_MAX_DIGITS = 1_000


@functools.lru_cache(maxsize=65536)
def resolve_plain(value: str) -> object:
    """Type a plain (unquoted) scalar: null, bool, int, float or text. Both paths type plain scalars here.

    Dates stay text (no date is ever built from YAML), so `as_of: 2025-01-09` and
    `as_of: '2025-01-09'` read the same, and a quoted value is never anything but text. The rules
    follow YAML 1.2's core schema, with "_" ignored in numbers; tests hold both paths to them.
    """
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    sign = value[0] if value[0] in "+-" else ""
    body = value[len(sign) :]
    if "_" in body:
        if _LOOSE_UNDERSCORE.search(body):  # "_1", "1__0", "1_": text, which no figure reads as a number
            return value
        body = body.replace("_", "")
    if not body or body[0] in "+-" or not _DIGIT.search(body) and body not in _SPECIAL:
        return value
    digits = sign + body
    if _INT.fullmatch(digits):
        if len(body) > _MAX_DIGITS:  # no real figure; past 4,300 digits Python cannot even read it
            return -math.inf if sign == "-" else math.inf
        return int(digits)
    based = _BASED.fullmatch(digits)
    if based:
        sign, base, number = based.groups()
        radix = {"x": 16, "o": 8, "b": 2}[base.lower()]
        try:
            based_number = int(sign + number, radix)
        except ValueError:
            return value
        if len(number) > _MAX_DIGITS:  # as for decimal numbers
            return -math.inf if sign == "-" else math.inf
        return based_number
    if _FLOAT.fullmatch(digits):
        number = float(digits)
        if number == 0 and _NONZERO.search(re.split("[eE]", digits)[0]):  # 1e-400: text, not a silent 0
            return value
        return number
    if body in _SPECIAL and not (sign and body.lower() == ".nan"):
        return -_SPECIAL[body] if sign == "-" else _SPECIAL[body]
    return value
