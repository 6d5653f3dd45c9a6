"""Appending entries to the sections of a YAML fact file without touching a byte of what is there.

The file is read with ruamel.yaml's round-trip loader, which says where every section and entry
starts and how the file indents and quotes; the new entries are rendered by ruamel.yaml in that
style and spliced into the text after the last entry of their section. Dumping the whole round-trip
document instead would also keep comments, but ruamel.yaml attaches a comment that introduces the
next section (or a trailing comment) to the last entry before it, so an appended entry would land
below that comment; splicing keeps every original line where it was, and a diff of the result
shows only the added lines.
"""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

SECTION_ORDER = ("sources", "claimants", "metrics", "facts", "events")
MAPPING_SECTIONS = ("sources", "claimants", "metrics")

# Values that are ids or fixed words stay plain; dates are written as YAML dates; other text
# follows the file's quoting (the curated files double-quote all free text).
_PLAIN_FIELDS = {
    "id",
    "metric",
    "claimant",
    "source",
    "via",
    "category",
    "kind",
    "qualifier",
    "aggregation",
    "stage",
    "unit",
}
_DATE_FIELDS = {"as_of", "since", "stated", "published", "accessed", "date"}
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class YamlEditError(ValueError):
    """The file cannot be edited by splicing (its YAML is broken or a section is in flow style)."""


def append_entries(text: str, additions: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    """Return `text` with the entries of `additions` appended to their sections, and the 1-based
    (first, last) line ranges of the inserted text in the result.

    `additions` maps a section name to a dict of id -> mapping (sources, claimants, metrics) or a
    list of mappings (facts, events). A missing section is created before the first section that
    follows it in the usual order (or at the end).
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        document = yaml.load(text)
    except YAMLError as err:
        raise YamlEditError(f"the file is not valid YAML: {err}") from None
    if document is None:
        document = CommentedMap()
    if not isinstance(document, CommentedMap):
        raise YamlEditError("the top level of the file is not a mapping")
    lines = text.splitlines(keepends=True)
    style = _Style.of(document, lines)
    inserts: list[tuple[int, int, list[str]]] = []  # (index in `lines` to insert before, order, new lines)
    for order, name in enumerate(SECTION_ORDER):
        entries = additions.get(name)
        if not entries:
            continue
        index, new = _insertion(document, lines, name, entries, style, newline)
        inserts.append((index, order, new))
    if lines and not lines[-1].endswith(("\n", "\r")) and any(index == len(lines) for index, _, _ in inserts):
        lines[-1] += newline  # entries appended at the end need the last line ended
    # Insert from the bottom up so that earlier indices stay valid; at the same index the later
    # section goes in first, so that the sections end up in their usual order.
    result = list(lines)
    for index, _, new in sorted(inserts, reverse=True):
        result[index:index] = new
    ranges, shift = [], 0
    for index, _, new in sorted(inserts):
        ranges.append((index + shift + 1, index + shift + len(new)))
        shift += len(new)
    return "".join(result), ranges


class _Style:
    """How the file indents, separates and quotes, read from what is there (repo style otherwise)."""

    def __init__(self, mapping: int, dash: int, blank_between: bool, quote_text: bool, blank_sections: bool):
        self.mapping, self.dash = mapping, dash
        self.blank_between, self.quote_text, self.blank_sections = blank_between, quote_text, blank_sections

    @classmethod
    def of(cls, document: CommentedMap, lines: list[str]) -> _Style:
        mapping, dash, blanks, quoted, plain = 2, 2, [], 0, 0
        for name in SECTION_ORDER:
            section = document.get(name)
            if isinstance(section, CommentedMap) and len(section) and not section.fa.flow_style():
                first = next(iter(section))
                mapping = section.lc.key(first)[1] or mapping
                entries = [section.lc.key(k)[0] for k in section]
            elif isinstance(section, CommentedSeq) and len(section) and not section.fa.flow_style():
                line, column = section.lc.item(0)
                dash = _dash_column(lines, line, column)
                entries = [section.lc.item(i)[0] for i in range(len(section))]
            else:
                continue
            if len(entries) >= 2:
                blanks.append(_blank_before(lines, entries[1]))
            for entry in section.values() if isinstance(section, CommentedMap) else section:
                for key, value in entry.items() if isinstance(entry, dict) else []:
                    if key in _PLAIN_FIELDS or key in _DATE_FIELDS or not isinstance(value, str):
                        continue
                    quoted += isinstance(value, DoubleQuotedScalarString)
                    plain += not isinstance(value, DoubleQuotedScalarString)
        keys = list(document)
        blank_sections = any(_blank_before(lines, document.lc.key(k)[0]) for k in keys[1:])
        return cls(mapping, dash, any(blanks), quoted >= plain, blank_sections)


def _dash_column(lines: list[str], line: int, column: int) -> int:
    """The column of the '-' that starts a sequence entry whose content starts at (line, column)."""
    text = lines[line] if line < len(lines) else ""
    found = text.rfind("-", 0, column)
    return found if found >= 0 else max(column - 2, 0)


def _blank_before(lines: list[str], line: int) -> bool:
    """Whether the entry starting on `line` (0-based) is separated from the one above by a blank
    line (comment lines directly above it belong to it)."""
    index = line - 1
    while index >= 0 and lines[index].lstrip().startswith("#"):
        index -= 1
    return index >= 0 and not lines[index].strip()


def _insertion(
    document: CommentedMap, lines: list[str], name: str, entries: Any, style: _Style, newline: str
) -> tuple[int, list[str]]:
    section = document.get(name) if name in document else None
    if name in document and section is not None:
        if not isinstance(section, (CommentedMap, CommentedSeq)):
            raise YamlEditError(f"'{name}' is not a {'mapping' if name in MAPPING_SECTIONS else 'list'}")
        if section.fa.flow_style() or not len(section):
            if len(section):
                raise YamlEditError(
                    f"'{name}' is written in flow style ([...] or {{...}}) on line "
                    f"{document.lc.key(name)[0] + 1}; write it as a block to add to it"
                )
            section = None  # `facts: []`: rewritten below as a block
    if name in document and section is None:
        # `facts:` with nothing (or only comments) under it, or `facts: []`: entries go right below the key.
        line = document.lc.key(name)[0]
        head = lines[line]
        stripped = re.sub(r":[ \t]*(?:\[\s*\]|\{\s*\})([ \t]*(?:#.*)?)$", r":\1", head.rstrip("\r\n"))
        if stripped != head.rstrip("\r\n"):
            lines[line] = stripped + newline  # the only edit of an existing line: `facts: []` -> `facts:`
        return line + 1, _render(name, entries, style, newline, first=True)
    if section is not None:
        last = _last_content_line(document, lines, name, section)
        return last + 1, _render(name, entries, style, newline, first=False)
    # A new section, placed before the next section in the usual order that the file has.
    following = [k for k in SECTION_ORDER[SECTION_ORDER.index(name) + 1 :] if k in document]
    body = [name + ":" + newline] + _render(name, entries, style, newline, first=True)
    if following:
        index = document.lc.key(following[0])[0]
        while index > 0 and lines[index - 1].lstrip().startswith("#"):
            index -= 1  # the comments just above a section introduce it: stay above them
        return index, body + ([newline] if style.blank_sections else [])
    index = len(lines)
    gap = [newline] if style.blank_sections and lines and lines[-1].strip() else []
    return index, gap + body


def _last_content_line(document: CommentedMap, lines: list[str], name: str, section: Any) -> int:
    """The 0-based line on which the last entry of a block section ends: blank lines and comments
    after it belong to what follows. (A line starting with '#' indented more than the entry's
    fields is inside a block scalar, and so part of the entry.)"""
    if isinstance(section, CommentedMap):
        key = list(section)[-1]
        start, column = section.lc.key(key)
        value = section[key]
        column = value.lc.key(next(iter(value)))[1] if isinstance(value, CommentedMap) and len(value) else column + 2
    else:
        start, column = section.lc.item(len(section) - 1)
    keys = list(document)
    position = keys.index(name)
    end = document.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else len(lines)
    last = start
    for index in range(start, end):
        text = lines[index]
        content = text.strip()
        if not content:
            continue
        indent = len(text) - len(text.lstrip(" "))
        if content.startswith("#") and indent <= column:
            continue
        last = index
    return last


def _render(name: str, entries: Any, style: _Style, newline: str, first: bool) -> list[str]:
    """The new entries as lines in the file's style, indented for their section."""
    yaml = YAML(typ="rt")
    yaml.width = 10**9  # never re-wrap a long quote
    yaml.indent(mapping=style.mapping, sequence=style.mapping + 2, offset=2)
    chunks: list[list[str]] = []
    if name in MAPPING_SECTIONS:
        items: list[Any] = [{key: value} for key, value in entries.items()]
        indent = style.mapping
    else:
        items = [[value] for value in entries]
        indent = style.dash
    for item in items:
        buffer = io.StringIO()
        data = (
            {k: _styled(v, style, None) for k, v in item.items()}
            if isinstance(item, dict)
            else [_styled(v, style, None) for v in item]
        )
        yaml.dump(_commented(data), buffer)
        rendered = buffer.getvalue().splitlines()
        shift = indent - (len(rendered[0]) - len(rendered[0].lstrip(" ")))
        chunk = [(" " * shift + line if shift >= 0 else line[-shift:]) if line.strip() else "" for line in rendered]
        chunks.append([line + newline for line in chunk])
    out: list[str] = []
    for n, chunk in enumerate(chunks):
        if style.blank_between and (n or not first):
            out.append(newline)
        out.extend(chunk)
    return out


def _commented(data: object) -> object:
    if isinstance(data, dict) and not isinstance(data, CommentedMap):
        return CommentedMap((k, _commented(v)) for k, v in data.items())
    if isinstance(data, list) and not isinstance(data, CommentedSeq):
        return CommentedSeq(_commented(v) for v in data)
    return data


def _styled(value: object, style: _Style, key: str | None) -> object:
    """A value as it should be written: dates as dates, ids plain, free text quoted like the file."""
    if isinstance(value, dict):
        return CommentedMap((k, _styled(v, style, k)) for k, v in value.items())
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v, style, "id" if key == "tags" else "") for v in value)
        if key == "tags":
            seq.fa.set_flow_style()  # tags are short words: one line, as the curated files write them
        return seq
    if not isinstance(value, str):
        return value
    if key in _DATE_FIELDS and _FULL_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass  # not a real day: written as text, and the loader says what is wrong
    if key in _PLAIN_FIELDS:
        return value
    return DoubleQuotedScalarString(value) if style.quote_text else value
