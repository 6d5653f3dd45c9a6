"""Reading one YAML fact file: a fast parse for clean files, a located parse for everything else.

The fast path (the Rust-based ``yaml_rs``) is used only when a cheap scan of the text shows none
of the constructs it handles differently from what we promise (tags, anchors and aliases,
several documents, deep nesting); any error it raises sends the file down the located path, which
composes PyYAML nodes (libyaml when available) and walks them itself so that it can reject
duplicate keys and tags, bound alias expansion, and remember the line and column of every node.
Plain scalars are typed by the same function on both paths, so both give the same data.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from dataclasses import dataclass, field

import yaml
import yaml_rs

from dashboard.factbase.errors import Problem

try:  # libyaml's composer is ~5x faster; PyYAML without it still works, slower.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

MAX_DEPTH = 64
_IMPLICIT = "?implicit"

# Anything that makes the fast parser's answer differ from the located one, or that could make
# it work hard: tags (!), anchors (&) and aliases (*), directives and document markers,
# flow mappings, nested flow sequences, very deep indentation.
# A lone "!" (the non-specific tag) counts too: yaml_rs reads "key: !" as '', PyYAML as null.
_TAG_ANCHOR_ALIAS = re.compile(r"(?:^|[\s\[\]{},])(?:[!&*]\S|!(?=\s|$))", re.MULTILINE)
_NESTED_FLOW = re.compile(r"\[[^\]]*\[")
_DOCUMENT_MARKERS = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)
_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)
_EXPLICIT_KEY = re.compile(r"(?:^|[\[,])[ \t-]*\?(?:[ \t]|$)", re.MULTILINE)  # "? [a, b]": a key that is not text


def _needs_located_parse(text: str) -> bool:
    # Plain substring tests first (memchr speed); the regular expressions only run when one hits.
    if any(c in text for c in "!&*") and _TAG_ANCHOR_ALIAS.search(text):
        return True
    if "{" in text or "\n" + " " * 128 in text:
        return True
    if "[" in text and _NESTED_FLOW.search(text):
        return True
    if "?" in text and _EXPLICIT_KEY.search(text):
        return True
    if any(c in text for c in "\x85\u2028\u2029"):  # line breaks to PyYAML (YAML 1.1), not to yaml_rs
        return True
    if "\t" in text and _TAB_INDENT.search(text):  # yaml_rs lets some pass; the located path names them
        return True
    if any(m in text for m in ("---", "...", "%")) and _DOCUMENT_MARKERS.search(text):
        return True
    # yaml_rs builds a long decimal integer in quadratic time (a million digits: 1 s; ten million: 100 s),
    # and Python cannot print one past 4,300 digits: runs of digit-like characters go the located way,
    # where a number that long reads as infinite. ~2 ms per MB.
    return b"0" * (_MAX_DIGITS + 1) in text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)


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
    if (len(data.translate(None, _CONTROL_BYTES)) != len(data) or "\ufffe" in text or "\uffff" in text
            or b"\xc2" in data and _C1_BYTES.search(data)):
        found = _CONTROL.search(text)  # ~1 ms per MB above; this search runs only on a hit
        assert found is not None
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise YamlProblems([Problem(file, line, column, f"the character U+{ord(found.group()):04X} (a control "
                                    "character or a non-character) is not allowed in a fact file; remove it")])
    return text.removeprefix("\ufeff")  # a BOM is allowed by YAML; editors on Windows add one


# C0 control characters other than tab, line feed and carriage return, DEL, and C1 controls other
# than NEL: YAML forbids them, and the fast parser would let them through into the data.
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13)) + b"\x7f"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_C1_BYTES = re.compile(b"\xc2[\x80-\x84\x86-\x9f]")  # C1 controls in UTF-8 (U+0085, NEL, is a line break)


def parse_fast(text: str) -> object | None:
    """The parsed data, or None when this text must go down the located path."""
    if _needs_located_parse(text) or threading.current_thread() is not threading.main_thread():
        # yaml_rs 0.1.6 crashed the process (SIGSEGV) now and then when called from Streamlit's
        # script threads; off the main thread the located parser (libyaml) does the work.
        return None
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # any complaint: the located path will say precisely what is wrong
        return None


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
        if text.count("[") + text.count("{") > MAX_DEPTH or _DEEP_INDENT.search(text):
            _check_depth(text, file)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        if "nesting depth" in str(err.problem):
            # Newer libyaml (PyYAML 6.0.4) stops at its own limit (1,000 levels) while scanning
            # ahead, before the events reach ours: find our level with the pure-Python parser.
            _check_depth(text, file, loader=yaml.SafeLoader)
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = err.problem or "invalid YAML"
        lines = text.split("\n")
        if line > len(lines):  # libyaml puts the end of a file without a final newline on the line after it
            line, column = len(lines), len(lines[-1]) + 1
        bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in bad_line[: column] or bad_line[column - 1: column] == "\t":
            what = "a tab character; YAML indentation must use spaces"
        context = f" ({err.context})" if err.context else ""
        raise YamlProblems([Problem(file, line, column, f"YAML syntax error: {what}{context}")]) from None
    except yaml.reader.ReaderError as err:  # a character YAML forbids (e.g. U+FFFE, a C1 control)
        at = err.position
        if _BaseLoader is not yaml.SafeLoader:  # libyaml counts UTF-8 bytes, not characters
            at = len(text.encode("utf-8")[:at].decode("utf-8", "ignore"))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise YamlProblems([Problem(file, line, column, f"the character U+{err.character:04X} is not allowed in "
                                                        "a YAML file; remove it")]) from None
    except yaml.YAMLError as err:
        raise YamlProblems([Problem(file, 1, 1, f"YAML error: {err}")]) from None
    except RecursionError:
        raise YamlProblems([Problem(file, 1, 1, f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)")]) \
            from None
    located = Located()
    if node is None:
        return None, located, []
    walker = _Walker(file, located, budget=100_000 + len(text))
    data = walker.construct(node, (), 0)
    return data, located, walker.problems


_DEEP_INDENT = re.compile(rf"^ {{{MAX_DEPTH + 1}}}", re.M)


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
                mark = event.start_mark
                raise YamlProblems([Problem(file, mark.line + 1, mark.column + 1,
                                            f"nested too deeply (more than {MAX_DEPTH} levels)")])
        elif isinstance(event, _CLOSES):
            depth -= 1


_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Composes nodes only; every tag resolution is deferred to `_Walker` (explicit tags stay visible)."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001 - PyYAML's signature
        return _IMPLICIT


class _Walker:
    def __init__(self, file: str, located: Located, budget: int):
        self.file = file
        self.located = located
        self.budget = budget
        self.problems: list[Problem] = []
        self.seen: set[int] = set()

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, node.start_mark.column + 1, message))

    def construct(self, node: yaml.Node, path: tuple, depth: int) -> object:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self._problem(node, "aliases expand to more nodes than the file holds characters "
                                    "(an alias bomb?); write the values out instead")
            return None
        if depth > MAX_DEPTH:
            self._problem(node, f"nested too deeply (more than {MAX_DEPTH} levels)")
            return None
        self.located.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag != _IMPLICIT:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(node, f"YAML tags such as '{tag}' are not allowed in fact files; remove the tag")
            return None
        if isinstance(node, yaml.ScalarNode):
            if node.style:  # quoted or block scalar: always text, even '2025-01-09' or '500'
                return node.value
            return resolve_plain(node.value)
        if isinstance(node, yaml.SequenceNode):
            return [self.construct(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
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
                self._problem(key_node, f"duplicate key '{key}' (first at line {line}); YAML would silently "
                                        "keep only the last one: remove or rename one of them")
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.located.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.construct(value_node, path + (key,), depth + 1)
        return result


_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DIGIT = re.compile(r"[0-9]")  # only ASCII digits make numbers; a regex scans a 10 MB scalar in C
_INT = re.compile(r"[-+]?[0-9]+")
_BASED = re.compile(r"([-+]?)0([xXoObB])([0-9a-fA-F]+)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, ".nan": math.nan, ".NaN": math.nan,
            ".NAN": math.nan}


# No figure needs a thousand digits; Python refuses to turn over 4,300 into an int (or back).
_MAX_DIGITS = 1_000
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789abcdefABCDEF_", b"0" * 22)


@functools.lru_cache(maxsize=65536)
def resolve_plain(value: str) -> object:
    """Type a plain (unquoted) scalar exactly as the fast parser does: null, bool, int, float or text.

    Dates stay text (both parsers are told not to build dates), so `as_of: 2025-01-09` and
    `as_of: '2025-01-09'` read the same, and a quoted value is never anything but text. The rules
    copy yaml_rs's (YAML 1.2 core schema, with "_" ignored in numbers); tests hold the two equal.
    """
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    sign = value[0] if value[0] in "+-" else ""
    body = value[len(sign):].replace("_", "")
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
        if len(number) > _MAX_DIGITS:  # as for decimal numbers, and in step with `_needs_located_parse`
            return -math.inf if sign == "-" else math.inf
        return based_number
    if _FLOAT.fullmatch(digits):
        return float(digits)
    if body in _SPECIAL and not (sign and body.lower() == ".nan"):
        return -_SPECIAL[body] if sign == "-" else _SPECIAL[body]
    return value
