"""Property tests: generated valid fact bases load; mutated ones fail only with FactBaseError."""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import FactBaseError, load_factbase
from dashboard.factbase.yamltext import YamlProblems, decode

from .conftest import MINIMAL
from .readers import fast_and_located_agree

EXAMPLES = int(os.environ.get("FACTDASH_FUZZ_EXAMPLES", "100"))

# Built from sampled letters, not st.from_regex: shrinking a from_regex string crashed Hypothesis 6.155
# ("ValueError: 48 is not in list") and hid the failing example.
ids = st.builds(
    lambda first, rest: first + "".join(rest),
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), max_size=8),
)
dates = st.dates(
    min_value=__import__("datetime").date(1990, 1, 1), max_value=__import__("datetime").date(2090, 12, 31)
).map(lambda d: d.isoformat())
numbers = st.one_of(
    st.integers(0, 10**12),
    st.floats(0, 1e12, allow_nan=False),
    st.integers(0, 10**6).map(lambda n: f'"{n:,}"'),
    st.sampled_from(['"$500 million"', '"3.85 billion"', '"66bn"', "500_000_000"]),
)
# Text YAML allows: no surrogates, no control characters, not the non-characters U+FFFE and U+FFFF.
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=40).map(
    lambda t: json.dumps(t, ensure_ascii=False)
)


@st.composite
def fact_files(draw):
    count = draw(st.integers(0, 12))
    fact_ids = draw(st.lists(ids, min_size=count, max_size=count, unique=True))
    lines = [MINIMAL, "facts:"]
    for fact_id in fact_ids:
        metric = draw(st.sampled_from(["nk-casualties", "us-package"]))
        value = draw(numbers)
        if metric == "nk-casualties" and "$" in str(value):
            value = "1200"
        qualifier = draw(st.sampled_from(["exact", "approximately", "at_least", "more_than", "at_most", "less_than"]))
        lines += [
            f"  - id: {fact_id}",
            f"    metric: {metric}",
            f"    value: {value}",
            f"    qualifier: {qualifier}",
            f"    as_of: {draw(dates)}",
            f"    claimant: {draw(st.sampled_from(['us-officials', 'zelenskyy']))}",
            "    source: rep",
            f"    quote: {draw(texts)}",
        ]
        if draw(st.booleans()):
            lines.append(f"    tags: [{draw(ids)}]")
    return "\n".join(lines) + "\n", len(fact_ids)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fact_files())
def test_generated_valid_fact_bases_load(tmp_path, case):
    text, count = case
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    base = load_factbase(path)
    assert len(base.facts) == count
    assert (base.facts.interval_low <= base.facts.interval_high).all()
    fast_and_located_agree(text)  # where the fast path reads it, the located one gives the same result


# ---- fuzzing: mutated fact files fail only with FactBaseError, located, and never hang -------------

# Replacements for a value, and lines to insert: the hostile inputs of the bad-input corpus in small.
VALUES = [
    b"[1, 2]",
    b"{a: 1}",
    b"true",
    b"null",
    b"~",
    b"-5",
    b"'x'",
    b"''",
    b"2025-13-45",
    b"2025-02-30",
    b"1066",
    b".nan",
    b".inf",
    b"-.inf",
    b"1e400",
    b"'1e400'",
    b"1" + b"0" * 30,
    b"9" * 5000,
    b"0x" + b"f" * 5000,
    b"!!python/object/apply:os.system ['true']",
    b"!!binary aGk=",
    b"!custom x",
    b"*nope",
    b"&a [*a]",
    b"&a x",
    b"<script>alert(1)</script>",
    b"javascript:alert(1)",
    b"'data:text/html,<b>x</b>'",
    b'"unclosed',
    b"[" * 300,
    b"{a: " * 100 + b"1" + b"}" * 100,
    b"\xef\xbf\xbe",
    b"\xc2\x85",
    b"\xff",
    b"'<script>alert(1)</script>'",
    b"[" * 300 + b"]" * 300,
    b"9" * 1001,
    b"9_" * 600,
    b"0b" + b"1" * 1001,
    b'"\\ud800"',
    b"\x1b[31m",
    b"? [a]\n  : b",
    b"<<: {a: 1}",
    b"2025-01-09T10:00:00Z",
    b"0o777",
    b"'1,20,0'",
    b"'about 1,200'",
    b"'1'",
]
LINES = [
    b"\t- x",
    b"  - id: f1",
    b"facts: 3",
    b"::",
    b"'unclosed",
    b"- [",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x00",
    b"---",
    b"...",
    b"%YAML 1.1",
    b"  <<: *a",
    b"? [a, b]",
    b"include: [facts.yaml]",
    b"include: [part.yaml]",
    b"include: [/dev/null]",
    b"include: [nowhere.yaml]",
    b"include: [.]",
    b"include: facts.yaml",
    b"x: &a [lol, lol]\ny: &b [*a, *a, *a, *a]\nz: [*b, *b, *b, *b]",
    b"schema_version: 2",
    b"include: [/dev/zero]",
    b"schema_version: '1'",
    b"&x x: *x",
    b"\x07",
    b"\x1b",
]
MUTATIONS = ["flip", "delete-line", "swap-type", "insert", "truncate", "duplicate-line", "swap-lines", "indent", "tab"]


def mutate(data: bytes, draw) -> bytes:
    """One random edit of the kinds a hurried curator (or a broken disk) makes."""
    kind = draw(st.sampled_from(MUTATIONS))
    if not data:
        return data
    if kind == "flip":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    lines = data.split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    if kind == "delete-line":
        return b"\n".join(lines[:at] + lines[at + 1 :])
    if kind == "swap-type":
        replacement = draw(st.sampled_from(VALUES))
        key, sep, _ = lines[at].partition(b": ")
        lines[at] = key + b": " + replacement if sep else lines[at] + b" " + replacement
    elif kind == "insert":
        lines.insert(at, draw(st.sampled_from(LINES)))
    elif kind == "duplicate-line":  # a key given twice, an id used twice
        lines.insert(at, lines[at])
    elif kind == "swap-lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "indent":
        lines[at] = b" " * draw(st.sampled_from([1, 2, 3, 200])) + lines[at]
    else:  # a tab where YAML wants spaces
        lines[at] = b"\t" + lines[at].lstrip(b" ")
    return b"\n".join(lines)


def mutated_text(text: str, draw, edits: tuple[int, int]) -> str | None:
    """`text` after between edits[0] and edits[1] random edits; None if they broke its UTF-8."""
    content = text.encode()
    for _ in range(draw(st.integers(*edits))):
        content = mutate(content, draw)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


class Hung(BaseException):
    """Raised by the per-example alarm; a BaseException, so no `except Exception` in the loader can hide it."""


@contextlib.contextmanager
def hang_guard(seconds: float):
    """Fail an example that runs longer than `seconds` (wall clock), then restore pytest-timeout's own alarm.

    A hang inside C code would not return to Python to see the alarm: faulthandler's watchdog then ends
    the run with every thread's stack, which fails it just as clearly."""

    def alarm(signum, frame):  # noqa: ANN001 - the signal module's signature
        raise Hung(f"one load took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 6, exit=True)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001))


HANG_SECONDS = 10.0  # a load here takes 0.02-0.3 s; the machine may be loaded


def fuzz_examples(long: bool) -> int:
    """2,000 mutated files in CI; 20,000 in the nightly (--long) run; FACTDASH_FUZZ_EXAMPLES overrides both."""
    return int(os.environ.get("FACTDASH_FUZZ_EXAMPLES") or (20_000 if long else 2_000))


def _split(text: str) -> tuple[bytes, bytes]:
    """The same fact base as two files: declarations in facts.yaml, the facts in an included part.yaml."""
    head, _, facts = text.partition("facts:\n")
    return (head + "include: [part.yaml]\n").encode(), ("schema_version: 1\nfacts:\n" + facts).encode()


def _assert_located(problems: list, written: dict[Path, bytes]) -> None:
    """Every problem names one of the files and a line and column inside it."""
    assert problems
    for problem in problems:
        assert problem.message and problem.line >= 1 and problem.column >= 1, problem
        if problem.file.startswith("/dev/"):
            continue  # an include of a device is reported where it is included; never mind the device
        path = Path(problem.file).resolve()
        assert path in written, (problem, list(written))
        lines = written[path].count(b"\n") + 1
        assert problem.line <= lines, (problem, lines)


def _assert_parsers_agree(content: bytes) -> None:
    """Where the fast parser reads a mutated file and finds it clean, the located parser checks it alike."""
    try:
        text = decode(content, "facts.yaml")
    except YamlProblems:
        return  # not UTF-8, or a forbidden character: rejected before either parser sees it
    fast_and_located_agree(text)


@pytest.mark.timeout(4 * 3600)  # the long form runs 20,000 examples; each one is bounded by its own alarm
def test_mutated_fact_bases_raise_only_factbase_error(long, tmp_path_factory):
    """Random byte flips, deleted, doubled, swapped, re-indented lines and hostile values: the loader
    either loads the result or raises FactBaseError with located problems; nothing else, and no hangs."""
    examples = fuzz_examples(long)
    slowest = [0.0]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fact_files(), st.data())
    def one(case, data):
        text, _ = case
        folder = tmp_path_factory.mktemp("fuzz", numbered=True)
        files = (
            dict(zip(("facts.yaml", "part.yaml"), _split(text), strict=True))
            if data.draw(st.booleans())
            else {"facts.yaml": text.encode()}
        )
        target = data.draw(st.sampled_from(sorted(files)))
        for _ in range(data.draw(st.integers(1, 3))):
            files[target] = mutate(files[target], data.draw)
        written = {}
        for name, content in files.items():
            (folder / name).write_bytes(content)
            written[(folder / name).resolve()] = content
        start = time.monotonic()
        try:
            with hang_guard(HANG_SECONDS):
                load_factbase(folder / "facts.yaml")
        except FactBaseError as err:
            _assert_located(err.problems, written)
        finally:
            slowest[0] = max(slowest[0], time.monotonic() - start)
            shutil.rmtree(folder, ignore_errors=True)
        _assert_parsers_agree(files["facts.yaml"])

    one()
    print(f"{examples} mutated fact bases; slowest load {slowest[0]:.2f} s")
