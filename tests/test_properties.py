"""Property tests: generated valid fact bases load; mutated ones fail only with FactBaseError."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import FactBaseError, load_factbase
from dashboard.yamlfile import parse_checked, parse_fast

from .conftest import MINIMAL

EXAMPLES = int(os.environ.get("FACTDASH_FUZZ_EXAMPLES", "100"))

ids = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
dates = st.dates(min_value=__import__("datetime").date(1990, 1, 1),
                 max_value=__import__("datetime").date(2090, 12, 31)).map(lambda d: d.isoformat())
numbers = st.one_of(st.integers(0, 10**12), st.floats(0, 1e12, allow_nan=False),
                    st.integers(0, 10**6).map(lambda n: f'"{n:,}"'),
                    st.sampled_from(['"$500 million"', '"3.85 billion"', '"66bn"', "500_000_000"]))
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(lambda t: json.dumps(t, ensure_ascii=False))


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
        lines += [f"  - id: {fact_id}", f"    metric: {metric}", f"    value: {value}", f"    qualifier: {qualifier}",
                  f"    as_of: {draw(dates)}", f"    claimant: {draw(st.sampled_from(['us-officials', 'zelenskyy']))}",
                  "    source: rep", f"    quote: {draw(texts)}"]
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
    fast = parse_fast(text)  # None: the fast path declined (e.g. a "{" in a quote); the located one decides
    assert fast is None or fast == parse_checked(text, "facts.yaml")[0]


def mutate(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["flip", "delete-line", "swap-type", "insert", "truncate"]))
    if not data:
        return data
    if kind == "flip":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    lines = data.split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    if kind == "delete-line":
        return b"\n".join(lines[:at] + lines[at + 1:])
    if kind == "swap-type":
        replacement = draw(st.sampled_from([b"[1, 2]", b"{a: 1}", b"true", b"null", b"-5", b"'x'", b"2025-13-45",
                                            b"!!python/object:os.system", b"*nope", b"&a [*a]"]))
        key, sep, _ = lines[at].partition(b": ")
        lines[at] = key + b": " + replacement if sep else lines[at] + b" " + replacement
        return b"\n".join(lines)
    if kind == "insert":
        junk = draw(st.sampled_from([b"\t- x", b"  - id: f1", b"facts: 3", b"::", b"'unclosed", b"- [", b"\xff\xfe"]))
        return b"\n".join(lines[:at] + [junk] + lines[at:])
    return data[: draw(st.integers(0, len(data)))]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fact_files(), st.data())
def test_mutated_fact_bases_raise_only_factbase_error(tmp_path, case, data):
    text, _ = case
    mutated = text.encode()
    for _ in range(data.draw(st.integers(1, 3))):
        mutated = mutate(mutated, data.draw)
    path = tmp_path / "facts.yaml"
    path.write_bytes(mutated)
    try:
        load_factbase(path)
    except FactBaseError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.line >= 1 and problem.column >= 1 and problem.message
