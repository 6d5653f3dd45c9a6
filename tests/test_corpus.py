"""The bad-input corpus: every broken fact file gives exit 1, its problems at file:line:column, fast and small.

Committed cases live in tests/corpus/ (one file, or one folder with a facts.yaml, per case) and their
expected problems in tests/corpus/expected.yaml. Cases too big to commit (10 MB strings, alias bombs,
deep nesting) are written at run time. Each case runs `factdash validate` in a fresh child process,
whose wall time and peak memory (ru_maxrss from wait4) are measured, and the dashboard (AppTest) is
run on it to show the problems without an exception.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dashboard import FactBaseError, load_factbase
from dashboard.factbase.loader import _display

from .conftest import MINIMAL, ROOT, machine_slowness

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, list[str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
MAX_SECONDS = 2.0 * machine_slowness()  # of CPU on a reference machine (conftest.machine_slowness)
MAX_MEGABYTES = 500
CORES = os.cpu_count() or 1


def corpus_cases() -> list[str]:
    files = [p for p in CORPUS.glob("*.yaml") if p.name != "expected.yaml"]
    folders = [p / "facts.yaml" for p in CORPUS.iterdir() if (p / "facts.yaml").is_file()]  # multi-file cases
    return sorted(str(p.relative_to(CORPUS)) for p in files + folders)


@dataclass
class Run:
    code: int
    output: str
    seconds: float  # wall time
    cpu_seconds: float  # user + system time of the child: the work itself, whatever else the machine runs
    megabytes: float  # peak resident memory of the child
    load: float  # load average per core while it ran

    def check_cost(self) -> None:
        """Under 2 s of CPU and 500 MB, always; under 2 s of wall time on a machine that is not overloaded
        (the wall limit stretches with the load average per core, which on a shared machine can be 3+)."""
        assert self.cpu_seconds < MAX_SECONDS, f"{self.cpu_seconds:.2f} s of CPU"
        assert self.seconds < MAX_SECONDS * max(1.0, self.load), f"{self.seconds:.2f} s at load {self.load:.1f}/core"
        assert self.megabytes < MAX_MEGABYTES, f"{self.megabytes:.0f} MB"

    def __str__(self) -> str:
        return (
            f"{self.seconds:.2f} s wall, {self.cpu_seconds:.2f} s CPU, {self.megabytes:.0f} MB, "
            f"load {self.load:.1f}/core"
        )


# ru_maxrss of a child includes the memory of the process it was forked from (Linux keeps the
# high-water mark across exec), and the test process grows to hundreds of MB over a suite run. So a
# small launcher forks the measured command and reports its rusage: the launcher's own few MB are the
# floor, not pytest's size.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stderr=subprocess.STDOUT)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "seconds": time.perf_counter() - start,
                  "cpu": usage.ru_utime + usage.ru_stime, "kib": usage.ru_maxrss}), file=sys.stderr)
"""


def validate(path: Path | str, cwd: Path) -> Run:
    """`factdash validate PATH` in a fresh child, with its wall time and peak resident memory."""
    # The corpus's cases include ../common/: their fact base's folder is the corpus, which holds both.
    env = {**os.environ, "FACTDASH_CACHE_DIR": "off", "PYTHONPATH": str(ROOT), "FACTDASH_ROOT": str(cwd)}
    load_before = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "dashboard.cli", "validate", str(path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=120,
    )
    measured = json.loads(done.stderr.decode().strip().splitlines()[-1])
    load = max(load_before, os.getloadavg()[0]) / CORES
    return Run(
        measured["code"],
        done.stdout.decode("utf-8", "replace"),
        measured["seconds"],
        measured["cpu"],
        measured["kib"] / 1024,
        load,
    )  # ru_maxrss is in KiB on Linux


def problem_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()[1:] if line.startswith("  ")]


def assert_reported(run: Run, expected: list[str]) -> None:
    assert "Traceback" not in run.output, run.output
    assert run.code == 1, run.output
    shown = problem_lines(run.output)
    for problem in expected:
        assert any(line.startswith(problem) for line in shown), f"missing {problem!r} in:\n{run.output}"
    assert len(shown) == len(expected), f"expected {len(expected)} problems:\n{run.output}"
    run.check_cost()


def test_the_corpus_is_large_and_every_case_has_its_expectations():
    cases = corpus_cases()
    assert len(cases) + len(GENERATED) >= 60
    assert sorted(EXPECTED) == cases
    assert all(EXPECTED[case] for case in cases)


@pytest.mark.parametrize("case", corpus_cases())
def test_validate_reports_each_case_at_its_location(case):
    run = validate(case, cwd=CORPUS)
    assert_reported(run, EXPECTED[case])
    print(f"COST {case}: {run}")


# ---- cases written at run time ------------------------------------------------------------------

FACT = (
    "facts:\n  - id: f1\n    metric: nk-casualties\n    value: 1200\n    as_of: 2025-01-09\n"
    "    claimant: us-officials\n    source: rep\n"
)
TEN_MB = 10_000_000


def _bomb() -> str:
    # Nine levels of ten aliases each: 10^9 nodes if expanded (the "billion laughs").
    lines = ["    note:", "      - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"      - &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return MINIMAL + FACT + "\n".join(lines) + "\n"


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


HEAD_LINES = MINIMAL.count("\n")
GENERATED = {
    # name: (text, expected problems as (line, column, message start); None for "somewhere in these lines")
    "quote-10mb": (
        MINIMAL + FACT + '    quote: "' + "x" * TEN_MB + '"\n',
        [(HEAD_LINES + 8, 12, "fact 'f1': quote is too long (10000000 characters)")],
    ),
    "plain-note-10mb": (
        MINIMAL + FACT + "    note: " + "y" * TEN_MB + "\n",
        [(HEAD_LINES + 8, 11, "fact 'f1': note is too long (10000000 characters)")],
    ),
    "id-10mb": (MINIMAL + FACT.replace("id: f1", "id: " + "a" * TEN_MB), [(HEAD_LINES + 2, 9, "fact 'aaaa")]),
    "key-10mb": (
        MINIMAL + FACT + "    " + "k" * TEN_MB + ": 1\n",
        [(HEAD_LINES + 8, TEN_MB + 5, "YAML syntax error: could not find expected ':'")],
    ),
    # A long decimal number: Python builds one of 10 M digits in quadratic time; it reads as infinite.
    "number-10m-digits": (
        MINIMAL + FACT.replace("value: 1200", "value: " + "9" * TEN_MB),
        [(HEAD_LINES + 4, 12, "fact 'f1': value is infinite or far too large")],
    ),
    "alias-bomb": (
        _bomb(),
        [
            (HEAD_LINES + 9, 7, "fact 'f1': note must be text, not a list"),
            (None, None, "aliases expand to more nodes than the file holds characters"),
        ],
    ),
    # The note's value sits 3 levels down (top level 0, facts 1, the fact 2); level 65 is too deep:
    # the 63rd bracket of the note.
    "deep-flow-sequence": (
        MINIMAL + FACT + "    note: " + "[" * 100_000 + "]" * 100_000 + "\n",
        [(HEAD_LINES + 8, 11 + 62, "nested too deeply (more than 64 levels)")],
    ),
    "deep-flow-mapping": (
        MINIMAL + FACT + "    note: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        [(HEAD_LINES + 8, 11 + 62 * 4, "nested too deeply (more than 64 levels)")],
    ),
    "deep-block-mapping": (
        MINIMAL + FACT + "    note:\n" + "".join("  " * (i + 3) + f"k{i}:\n" for i in range(2000)),
        [(HEAD_LINES + 9 + 62, 2 * (62 + 3) + 1, "nested too deeply (more than 64 levels)")],
    ),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_validate_reports_generated_huge_and_hostile_cases(name, tmp_path):
    text, expected = GENERATED[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    run = validate(path.name, cwd=tmp_path)
    bomb_lines = range(_line_of(text, "&a0"), _line_of(text, "&a9") + 1) if name == "alias-bomb" else None
    assert "Traceback" not in run.output and run.code == 1, run.output[:2000]
    shown = problem_lines(run.output)
    assert len(shown) == len(expected), run.output[:2000]
    for line, column, message in expected:
        if line is None:
            assert any(
                s.startswith(f"{path.name}:") and message in s and int(s.split(":")[1]) in bomb_lines for s in shown
            ), run.output[:2000]
        else:
            assert any(s.startswith(f"{path.name}:{line}:{column}: {message}") for s in shown), run.output[:2000]
    run.check_cost()
    print(f"COST {name}: {run}")


# ---- HTML and script: data in free text, rejected where an id, a date or a URL belongs ---------------


def test_html_in_every_free_text_field_is_kept_as_data():
    path = CORPUS / "accepted" / "html-in-every-text-field.yaml"
    run = validate(path.relative_to(CORPUS), cwd=CORPUS)
    assert run.code == 0 and "OK" in run.output, run.output
    base = load_factbase(path)
    script = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    fact = base.facts.iloc[0]
    for column in (
        "quote",
        "note",
        "metric_label",
        "definition",
        "subject",
        "claimant_name",
        "claimant_affiliation",
        "source_title",
        "publisher",
        "license",
    ):
        assert str(fact[column]).startswith(script), column
    assert list(fact["tags"]) == [script]
    assert base.title.startswith(script) and base.events["label"].iloc[0].startswith(script)


def test_html_where_an_id_date_or_url_belongs_is_rejected_field_by_field():
    problems = [str(p) for p in _problems(CORPUS / "html-in-id-date-url.yaml")]
    wanted = {
        "url '<script>": 8,
        "published '<b>2025</b>' is not a date": 9,
        "'<img src=x onerror=alert(1)>' is not a valid id": 11,
        "'<script>' is not a valid id": 12,
        "as_of '<i>2025-01-09</i>' is not a date": 14,
    }
    for message, line in wanted.items():
        assert any(f":{line}:" in p and message in p for p in problems), (message, problems)
    assert len(problems) == len(wanted)


def _problems(path: Path) -> list:
    with pytest.raises(FactBaseError) as caught:
        load_factbase(path)
    return caught.value.problems


# ---- the dashboard shows every case's problems ------------------------------------------------------


@pytest.mark.parametrize("case", corpus_cases())
def test_dashboard_shows_each_case_without_crashing(case, monkeypatch):
    from .test_app import run as run_app

    first = EXPECTED[case][0]
    file, line, column, _ = first.split(":", 3)
    shown_at = f"{_display(CORPUS / file)}:{line}:{column}"
    monkeypatch.setenv("FACTDASH_ROOT", str(CORPUS))
    at = run_app(facts=str(CORPUS / case), monkeypatch=monkeypatch)
    assert not at.exception, at.exception
    shown = " ".join(c.value for c in at.code) + " ".join(e.value for e in at.error)
    assert shown_at in shown, shown[:2000]
    assert "could not load the fact base" not in shown  # the catch-all for errors other than FactBaseError


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_dashboard_shows_each_generated_case_without_crashing(name, tmp_path, monkeypatch):
    from .test_app import run as run_app

    text, expected = GENERATED[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    at = run_app(facts=str(path), monkeypatch=monkeypatch)
    assert not at.exception, at.exception
    shown = " ".join(c.value for c in at.code) + " ".join(e.value for e in at.error)
    line, column, message = expected[-1]
    assert message in shown and (line is None or f"{_display(path)}:{line}:{column}" in shown), shown[:2000]
