"""The fast parser (rapidyaml) and the located one (PyYAML) read the same data; the fast one works on any thread."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.factbase import yamltext
from dashboard.factbase.yamltext import YamlProblems, parse_checked, read_fast

from .conftest import ROOT
from .readers import fast_and_located_agree

SAMPLES = [
    "1_000.5",
    "1e3_0",
    "-0x1F",
    "+0b1",
    ".5e3",
    "1_e3",
    "0x_1F",
    "-0o17",
    "1.",
    "-.5",
    "+1.5E-3",
    "1e",
    "e3",
    "0x",
    "1__",
    "_1",
    "1_",
    "0b",
    "12e",
    "1.2.3",
    "0o8",
    "0xG",
    "+",
    "-.inf",
    ".Inf",
    "INF",
    ".NAN",
    "nan",
    "inf",
    "1,0",
    "00012",
    "-00",
    "+0",
    "0.0e0",
    "1E+3",
    "1e-3",
    "12_345_678",
    "true",
    "True",
    "TRUE",
    "tRue",
    "null",
    "~",
    "Null",
    "yes",
    "no",
    "_",
    "-_1",
    "+.inf",
    "-.nan",
    "_+9",
    "2025-01-09",
    "500_000_000",
    "3.85e9",
    "1,200",
]


def test_plain_scalars_are_typed_alike_on_both_paths():
    rng = random.Random(3)
    alphabet = "0123456789_.eE+-xXoObBabcfFinINaAtTrRuUsSlL~"
    samples = SAMPLES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(5000)]
    read = 0
    for sample in samples:
        for text in (f"k: {sample}\n", f"k: [{sample}]\n", f"a: [b, {sample}]\n", f"{sample}: v\n", f"k: '{sample}'\n"):
            fast = read_fast(text)
            if fast is None:  # declined ("1: v" is a key that is not text): the located path decides
                continue
            located, _, problems = parse_checked(text, "x.yaml")
            assert not problems and repr(fast.data) == repr(located), (text, fast.data, located)  # repr: NaN is NaN
            read += 1
    assert read > 10_000  # the fast path did read most of them


def test_fast_parser_reads_alike_on_several_threads_at_once():
    text = (ROOT / "facts" / "ramstein-2025-01.yaml").read_text(encoding="utf-8")
    first = read_fast(text)
    assert first is not None and first.facts is not None and first.facts.num_rows > 10
    expected = (first.data, first.facts.to_pylist())
    seen = []

    def parse_five() -> None:
        seen.extend((read.data, read.facts.to_pylist()) for read in (read_fast(text) for _ in range(5)))

    threads = [threading.Thread(target=parse_five) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 20 and all(data == expected for data in seen)


@pytest.mark.parametrize(
    "text",
    [
        "a: !foo x\n",
        "a: &x 1\nb: *x\n",
        "---\na: 1\n",
        "a: {b: 1}\n",
        "a: [[1]]\n",
        "a: [b:]\n",
        "k" * 1100 + ": 1\n",
        "a:\n\tb: 1\n",
        "a: 1\u2028b: 2\n",
    ],
)
def test_fast_parser_declines_what_it_handles_differently(text):
    assert read_fast(text) is None


@pytest.mark.parametrize("text", ["sources:\n  rep:\n    title: A report\n    k", "a: 'never closed"])
def test_a_syntax_error_at_the_end_of_a_file_without_a_final_newline_is_located_inside_it(text):
    # libyaml marks the end of such a file on the line after its last; an editor has no such line.
    with pytest.raises(YamlProblems) as caught:
        parse_checked(text, "facts.yaml")
    (problem,) = caught.value.problems
    last = text.split("\n")[-1]
    assert (problem.line, problem.column) == (text.count("\n") + 1, len(last) + 1), problem


@pytest.mark.parametrize("item", ["- ", "-", "- 5", "- [1]", "- null", "- ~", "- text", "- {id: a}\n  - 7"])
def test_a_facts_item_that_is_not_a_mapping_is_reported_not_crashed_on(item, tmp_path):
    # pyarrow 26's JSON reader kills the process on a top-level null row: the fast path must not
    # hand it one. Loaded in a child process, so that a crash fails this test instead of the run.
    (tmp_path / "facts.yaml").write_text("schema_version: 1\nfacts:\n  " + item, encoding="utf-8")
    code = (
        "import sys\nfrom dashboard import FactBaseError, load_factbase\n"
        "try:\n    load_factbase(sys.argv[1])\nexcept FactBaseError as err:\n    print(err)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "facts.yaml")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "facts.yaml:3:" in run.stdout, run.stdout


@pytest.mark.parametrize("breaks", ["\x85", "\u2028", "\u2029", "\r"])
def test_positions_count_line_feeds_only_as_an_editor_does(breaks):
    # PyYAML (YAML 1.1) breaks lines at NEL, U+2028, U+2029 and a lone CR; an editor shows them
    # inside a line. A problem after one is reported at the editor's line.
    text = f'a: 1\nb: "x{breaks}y"\nc: 2\nc: 3\n'
    _, _, problems = parse_checked(text, "facts.yaml")
    (problem,) = problems
    assert "duplicate key 'c' (first at line 3)" in problem.message
    assert (problem.line, problem.column) == (4, 1)


# ---- the two parsers against each other on text made of YAML's own pieces ------------------------

PIECES = [
    "a",
    "b",
    "1",
    " ",
    ": ",
    ":",
    "-",
    "- ",
    "\n",
    "\n  ",
    "\n    ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "'",
    '"',
    "@",
    "`",
    "%",
    "|",
    ">",
    "?",
    "x y",
    "\\",
    "~",
    "null",
    "2025-01",
    "0x1",
    ".5",
    "=",
    "<<",
    "!",
    "&",
    "*",
    "\t",
    "...",
    "---",
    "é",
    "1_0",
    "True",
    "'q'",
    '"d"',
    "|-",
    ">-",
    "\u2028",
    '"\\ud800"',
    '"\\u00e9"',
]
SCALARS = [
    '"x \\ud800 y"',
    '"\\U0001F600"',
    '"a @b"',
    "'x & y'",
    '"x" @',
    "'a' !b",
    '"q *"',
    "'%x|y'",
    '"a: @b"',
    '"it\\" @x"',
    "'it''s @x'",
    "a",
    "x y",
    "1",
    "1,200",
    "'q'",
    '"d"',
    "'it''s'",
    '"a\\"b"',
    '"\\u00e9"',
    "2025-01-09",
    "~",
    "null",
    "a #c",
    "#c",
    "'a: b'",
    '"x\ny"',
    "'x\n  y'",
    "x\n  y",
    "-1",
    "[a, b]",
    "[]",
    "''",
    '""',
    "a'b",
    'a"b',
    "x%",
    "=x",
    "|\n      text",
    ">-\n      folded\n      text",
    "0o17",
    "1_000",
    "True",
    "-.inf",
]


@st.composite
def yaml_pieces(draw) -> str:
    """Text of YAML's structural characters and scalars in random order: mostly not YAML at all."""
    return "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10))) + draw(st.sampled_from(["\n", ""]))


@st.composite
def fact_shaped(draw) -> str:
    """A fact file of facts that have every required field, with random scalars in the others."""
    lines = ["schema_version: 1", "facts:"]
    for i in range(draw(st.integers(1, 3))):
        lines += [f"  - id: f{i}", "    metric: m", "    claimant: c", "    source: s", "    as_of: 2025-01-09"]
        keys = draw(
            st.lists(
                st.sampled_from(["quote", "note", "value", "tags", "via", "low", "high", "since", "stage"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        lines += [
            f"    {key}: {draw(st.sampled_from(FIGURES if key in ('value', 'low', 'high') else SCALARS))}"
            for key in keys
        ]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


FIGURES = [
    "5",
    "5.5",
    "'7'",
    '"1,234"',
    "0",
    "3.85e9",
    "$5",
    "'$500 million'",
    "12345678901234567890",
    "-0",
    "00",
    "0o7",
    "1e-400",
    "1_000",
    ".inf",
    "~",
]


@settings(max_examples=3000, deadline=None)
@given(st.one_of(yaml_pieces(), fact_shaped()))
def test_what_the_fast_parser_reads_the_located_one_reads_alike(text):
    """The fast way may decline a text, or find a problem (the located way then reads it again);
    what it reads and finds clean, the located way reads and checks to the same result."""
    fast = read_fast(text)
    if fast is None:
        return
    if fast.facts is not None:  # a fact file: the two ways must check it to the same result
        fast_and_located_agree(text)
        return
    try:
        located, _, problems = parse_checked(text, "x.yaml")
    except YamlProblems as err:
        raise AssertionError(f"the fast parser read {text!r}, which the located one refuses: {err.problems}") from None
    assert not problems and repr(fast.data) == repr(located), (text, fast.data, located)


@settings(max_examples=1500, deadline=None)
@given(fact_shaped(), st.sampled_from(["", "# a comment\n", "\n", "events: []\n", "metrics: {}\n"]))
def test_facts_read_a_few_at_a_time_read_as_the_whole_file_does(text, after):
    """A long facts list is parsed in pieces (yamltext._ITEMS_AT_A_TIME items each, into one reused
    tree); here pieces of one item, so that every generated file of two or more facts is read so.
    What the pieces read is what one parse of the whole file reads, and what the located way reads."""
    text = text.rstrip("\n") + "\n" + after
    with mock.patch.object(yamltext, "_ITEMS_AT_A_TIME", 1):
        in_pieces = read_fast(text)
        fast_and_located_agree(text)  # asserts that what the fast way finds clean, the located way reads alike
        read_so = in_pieces is not None and yamltext._in_pieces(in_pieces.lines, in_pieces.items)
    with mock.patch.object(yamltext, "_ITEMS_AT_A_TIME", 10**9):
        whole = read_fast(text)
    assert (in_pieces is None) == (whole is None), text
    if whole is not None:
        assert repr(in_pieces.data) == repr(whole.data), text
        assert in_pieces.facts.equals(whole.facts), text
        assert read_so == (whole.facts.num_rows >= 2), text  # every list of two or more was read in pieces


def test_a_facts_list_is_read_in_pieces_only_after_a_bare_key():
    """`facts:` alone on its line (a comment after it aside) is read in pieces; a key with anything
    else there (a flow list, an anchor, a tag) is read whole, or the located way."""
    items = "".join(
        f"  - id: f{i}\n    metric: m\n    value: 5\n    claimant: c\n    source: s\n    as_of: 2025\n"
        for i in range(3)
    )
    with mock.patch.object(yamltext, "_ITEMS_AT_A_TIME", 1):
        for key in ("facts:", "facts:   ", "facts: # three", "facts:\r"):
            lines = yamltext.Lines(f"schema_version: 1\n{key}\n{items}".encode())
            assert yamltext._in_pieces(lines, yamltext.list_items(lines, "facts")), key
        crlf = f"schema_version: 1\r\nfacts:\r\n{items}".replace("\n", "\r\n").replace("\r\r", "\r")
        assert fast_and_located_agree(crlf)
        for text in (
            f"schema_version: 1\nfacts: []\n{items}",  # not a list of these items: the located way says so
            f"schema_version: 1\nfacts:\n  note: x\n{items}",  # a mapping first
            f"schema_version: 1\nfacts: &list\n{items}",
        ):
            lines = yamltext.Lines(text.encode())
            assert not yamltext._in_pieces(lines, yamltext.list_items(lines, "facts")), text


def test_numbers_are_quoted_for_the_table_however_long():
    """Figures and dates written as numbers become the JSON's text, as written; a number longer than
    the window looked through for its end is found by search."""
    json = (
        b'{\n  "value": 12,\n  "low": -3.5e4,\n  "xvalue": 5,\n  "note": 7,\n'
        + b'  "high": '
        + b"9" * 60
        + b',\n  "as_of": 2025\n}'
    )
    quoted = yamltext._figures_as_text(np.frombuffer(json, dtype=np.uint8).copy()).tobytes()
    assert quoted == (
        b'{\n  "value": "12",\n  "low": "-3.5e4",\n  "xvalue": 5,\n  "note": 7,\n'
        + b'  "high": "'
        + b"9" * 60
        + b'",\n  "as_of": "2025"\n}'
    )
