"""A long file checked in two halves on two cores (dashboard/halves.py) means exactly what it means whole.

The halves path may only ever answer "the same as the whole file" or "don't know" (None, and the
whole file is checked): these tests hold it to that on generated, hand-made and mutated files.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import FactBaseError, load_factbase
from dashboard.factbase import factscan, halves, loader

from .test_properties import fact_files, mutated_text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate import write_factbase  # noqa: E402


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> str:
    """A generated file of 3,000 facts (the benchmark's generator), as text."""
    folder = tmp_path_factory.mktemp("series")
    write_factbase(folder, 3_000)
    return (folder / "series.yaml").read_text(encoding="utf-8")


@pytest.fixture
def split_everything(monkeypatch):
    """Split every file, however small, and count the children started. The facts scanner (which
    reads clean files before any split is tried) is left out, so that the halves do the reading."""
    monkeypatch.setattr(factscan, "_factscan", None)
    started = []
    original = halves.in_child
    monkeypatch.setattr(halves, "SPLIT_BYTES", 1)
    monkeypatch.setattr(halves, "can_fork", lambda: True)
    monkeypatch.setattr(halves, "in_child", lambda *args: started.append(args) or original(*args))
    return started


def assert_same_result(halved: loader.FileResult, whole: loader.FileResult) -> None:
    pd.testing.assert_frame_equal(halved.facts, whole.facts)
    assert halved.header == whole.header
    assert halved.includes == whole.includes
    assert halved.declarations == whole.declarations
    assert halved.events == whole.events
    assert halved.keys == whole.keys
    assert halved.problems == whole.problems == [] and halved.fatal == whole.fatal == []


def test_the_cut_falls_between_facts_and_keeps_every_line_in_place(series):
    first, rest = halves.split_facts(series)
    whole = yaml_rs.loads(series, parse_datetime=False)["facts"]
    head, tail = yaml_rs.loads(first, parse_datetime=False)["facts"], yaml_rs.loads(rest, parse_datetime=False)["facts"]
    assert head + tail == whole
    assert abs(len(head) - len(tail)) < len(whole) // 10  # near the middle
    original, moved = series.splitlines(), rest.splitlines()
    cut_line = first.count("\n")
    assert moved[cut_line:] == original[cut_line:]  # the rest sits on the lines it had
    assert moved[0] == "schema_version: 1" and moved[cut_line - 1] == "facts:"
    assert original[cut_line].startswith("  - id: ")


def test_halves_give_the_whole_files_result(series):
    text = series
    digest = "d"
    halved = loader._check_halves("series.yaml", digest, text)
    assert halved is not None
    assert_same_result(halved, loader._check_text("series.yaml", digest, text))
    assert halved.facts["item"].tolist() == list(range(3_000))
    assert halved.facts["line"].is_monotonic_increasing


def test_a_load_splits_a_large_file_and_returns_the_same_base(tmp_path, split_everything, monkeypatch):
    write_factbase(tmp_path, 2_000)
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    halved = load_factbase(tmp_path / "facts.yaml")
    assert len(split_everything) >= 1
    monkeypatch.setattr(halves, "SPLIT_BYTES", 10**12)
    whole = load_factbase(tmp_path / "facts.yaml")
    pd.testing.assert_frame_equal(halved.facts, whole.facts)
    pd.testing.assert_frame_equal(halved.sources, whole.sources)
    pd.testing.assert_frame_equal(halved.events, whole.events)


def _problems(path: Path) -> list[str]:
    with pytest.raises(FactBaseError) as caught:
        load_factbase(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("mistake", ["first half", "second half", "both halves"])
def test_problems_in_a_half_are_reported_as_the_whole_file_reports_them(tmp_path, series, split_everything,
                                                                         monkeypatch, mistake):
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    lines = series.splitlines(keepends=True)
    claimants = [n for n, line in enumerate(lines) if line.startswith("    claimant: ")]
    chosen = {"first half": [claimants[5]], "second half": [claimants[-5]],
              "both halves": [claimants[5], claimants[-5]]}[mistake]
    for n in chosen:
        lines[n] = lines[n].replace("claimant:", "claimnt:")
    path = tmp_path / "series.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    halved = _problems(path)
    assert len(split_everything) == 1
    monkeypatch.setattr(halves, "SPLIT_BYTES", 10**12)
    assert halved == _problems(path)
    assert len(halved) == 2 * len(chosen)  # the unknown key, and the claimant it leaves missing
    assert all(f"series.yaml:{n + 1}:5: " in "\n".join(halved) for n in chosen)


def test_a_top_level_key_in_both_halves_is_still_a_duplicate(tmp_path, series, split_everything, monkeypatch):
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    path = tmp_path / "series.yaml"
    path.write_text(series.replace("facts:\n", "events:\n  - {date: 2025-01-09, label: a}\nfacts:\n", 1)
                    + "events:\n  - {date: 2025-01-10, label: b}\n", encoding="utf-8")
    problems = "\n".join(_problems(path))
    assert "duplicate" in problems and "events" in problems


def test_a_quote_open_across_the_cut_is_read_as_the_whole_file_reads_it(tmp_path, split_everything, monkeypatch):
    """PyYAML reads a quoted scalar whose next line starts like a list item; the cut there must not
    turn that line into a fact."""
    monkeypatch.setenv("FACTDASH_CACHE_DIR", "off")
    facts = [f"  - id: f{n}\n    metric: m\n    value: {n}\n    as_of: 2025-01-09\n    claimant: c\n    source: s\n"
             for n in range(9)]
    facts[4] += '    quote: "opens here\n  - and goes on here"\n'
    text = ("schema_version: 1\nsources: {s: {title: t, kind: news}}\n"
            "claimants: {c: {name: c, kind: official, party_to_conflict: false}}\n"
            "metrics: {m: {label: m, unit: people, category: casualties, aggregation: level}}\nfacts:\n"
            + "".join(facts))
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    cut = halves.split_facts(text)
    assert cut is not None and cut[0].endswith('    quote: "opens here\n')  # the cut does fall inside it
    base = load_factbase(path)
    assert len(split_everything) == 1
    assert len(base.facts) == 9
    assert base.facts.set_index("fact_id").at["f4", "quote"] == "opens here - and goes on here"


@pytest.mark.parametrize("text", [
    "schema_version: 1\n",  # no facts
    "schema_version: 1\nfacts: []\n",
    "schema_version: 1\nfacts: [{id: a}, {id: b}]\n",  # a flow list
    "schema_version: 1\nfacts:\n  - id: a\nfacts:\n  - id: b\n",  # the key twice
    "schema_version: 1\nfacts:\n  - id: a\n",  # nothing after the middle to cut at
    "schema_version: 1\nfacts:\n  - id: a\nevents:\n  - id: b\n  - id: c\n  - id: d\n",  # the middle is past the list
    "schema_version: 1\r\nfacts:\r\n  - id: a\r\n  - id: b\r\n  - id: c\r\n",  # CRLF: left whole
])
def test_no_cut_where_there_is_no_safe_place(text):
    assert halves.split_facts(text) is None


def test_a_cut_for_a_list_at_the_first_column():
    text = "schema_version: 1\nfacts:\n- id: a\n  value: 1\n# a comment\n- id: b\n  value: 2\n- id: c\n  value: 3\n"
    first, rest = halves.split_facts(text)
    assert yaml_rs.loads(first)["facts"] + yaml_rs.loads(rest)["facts"] == yaml_rs.loads(text)["facts"]


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fact_files(), st.data())
def test_mutated_files_halves_agree_with_the_whole_or_decline(case, data):
    """Byte flips, deleted and doubled lines, hostile values: whenever the halves answer, the whole
    file is clean and gives exactly that answer."""
    text = mutated_text(case[0], data.draw, (0, 2))
    if text is None:
        return
    halved = loader._check_halves("facts.yaml", "d", text)
    if halved is not None:
        assert_same_result(halved, loader._check_text("facts.yaml", "d", text))


def test_a_child_that_dies_or_hangs_gives_no_answer():
    assert halves.in_child(os._exit, 3)(5.0) is None
    assert halves.in_child(lambda: os.kill(os.getpid(), 9))(5.0) is None  # the child kills itself
    assert halves.in_child(int, "not a number")(5.0) is None
    started = time.monotonic()
    assert halves.in_child(time.sleep, 60)(0.5) is None
    assert time.monotonic() - started < 5
    assert halves.in_child(sum, [1, 2, 3])(5.0) == 6


def test_no_fork_while_other_threads_run():
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert not halves.can_fork()
    finally:
        release.set()
        worker.join()
