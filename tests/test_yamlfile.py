"""The fast parser and the located one type plain scalars identically; the fast one stays off threads."""

from __future__ import annotations

import math
import random
import threading

import pytest
import yaml_rs

from dashboard.factbase.yamltext import parse_fast, resolve_plain

SAMPLES = ["1_000.5", "1e3_0", "-0x1F", "+0b1", ".5e3", "1_e3", "0x_1F", "-0o17", "1.", "-.5", "+1.5E-3", "1e",
           "e3", "0x", "1__", "_1", "1_", "0b", "12e", "1.2.3", "0o8", "0xG", "+", "-.inf", ".Inf", "INF", ".NAN",
           "nan", "inf", "1,0", "00012", "-00", "+0", "0.0e0", "1E+3", "1e-3", "12_345_678", "true", "True",
           "TRUE", "tRue", "null", "~", "Null", "yes", "no", "_", "-_1", "+.inf", "-.nan", "_+9", "2025-01-09",
           "500_000_000", "3.85e9", "1,200"]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


def test_plain_scalars_are_typed_like_the_fast_parser():
    rng = random.Random(3)
    alphabet = "0123456789_.eE+-xXoObBabcfFinINaAtTrRuUsSlL~"
    samples = SAMPLES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(5000)]
    for sample in samples:
        try:
            parsed = yaml_rs.loads(f"k: {sample}\n", parse_datetime=False)
        except Exception:  # not a plain scalar at all ("- 1"): nothing to compare
            continue
        if isinstance(parsed, dict) and "k" in parsed:
            assert _same(parsed["k"], resolve_plain(sample)), sample


def test_fast_parser_is_not_used_off_the_main_thread():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(parse_fast("a: 1\n")))
    thread.start()
    thread.join()
    assert seen == [None]
    assert parse_fast("a: 1\n") == {"a": 1}


@pytest.mark.parametrize("text", ["a: !foo x\n", "a: &x 1\nb: *x\n", "---\na: 1\n", "a: {b: 1}\n", "a: [[1]]\n"])
def test_fast_parser_declines_what_it_handles_differently(text):
    assert parse_fast(text) is None


@pytest.mark.parametrize("text", ["sources:\n  rep:\n    title: A report\n    k", "a: 'never closed"])
def test_a_syntax_error_at_the_end_of_a_file_without_a_final_newline_is_located_inside_it(text):
    # libyaml marks the end of such a file on the line after its last; an editor has no such line.
    from dashboard.factbase.yamltext import YamlProblems, parse_checked

    with pytest.raises(YamlProblems) as caught:
        parse_checked(text, "facts.yaml")
    (problem,) = caught.value.problems
    last = text.split("\n")[-1]
    assert (problem.line, problem.column) == (text.count("\n") + 1, len(last) + 1), problem
