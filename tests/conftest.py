"""Shared test helpers: an isolated cache per test session and a writer for inline fact files."""

from __future__ import annotations

import functools
import os
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


# How long machine_slowness's loop takes on the machines where the tests' CPU budgets were set, in
# CPython 3.11 (estimated, not measured there: those machines ran the slowest 10 KB text of
# test_text_bounds in 0.65 s; the VM of 2026-12-02 ran that text in 1.9-2.3 s and this loop in
# 0.155 s, 3.1x this figure). A budget that says "under 1 s" means 1 s on such a machine.
REFERENCE_LOOP_SECONDS = 0.05


@functools.cache
def machine_slowness() -> float:
    """How many times slower than REFERENCE_LOOP_SECONDS this machine runs the loop (at least 1):
    CPU budgets of hostile-input tests scale by it, so a slow machine does not fail a linear cost
    while a quadratic one (tens of times over) still fails. The fastest of 5 runs: least disturbed."""
    runs = []
    for _ in range(5):
        started, total = time.process_time(), 0
        for i in range(2_000_000):
            total += i & 7
        runs.append(time.process_time() - started)
    return max(1.0, min(runs) / REFERENCE_LOOP_SECONDS)


def pytest_addoption(parser):
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run the long forms of the hardening tests (nightly): more fuzzing, a longer load test",
    )


def long_mode(config) -> bool:
    """Long forms run with --long or FACTDASH_LONG=1; CI runs the short forms."""
    return bool(config.getoption("--long")) or os.environ.get("FACTDASH_LONG") == "1"


@pytest.fixture(scope="session")
def long(request) -> bool:
    """True when the long (nightly) forms of the hardening tests should run."""
    return long_mode(request.config)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the disk cache out of the user's home and start every session cold."""
    folder = tmp_path_factory.mktemp("factdash-cache")
    previous = os.environ.get("FACTDASH_CACHE_DIR")
    os.environ["FACTDASH_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("FACTDASH_CACHE_DIR", None)
    else:
        os.environ["FACTDASH_CACHE_DIR"] = previous


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", yaml_text) -> Path; the text is dedented, so tests can indent it."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


# A source and two claimants (one a party to the conflict) that inline tests build on.
DECLARED = """\
schema_version: 1
sources:
  rep:
    title: A report
    kind: news
    url: https://example.org/report
    published: 2025-01-09
claimants:
  us-officials:
    name: US officials
    kind: government
    party_to_conflict: false
  zelenskyy:
    name: Volodymyr Zelenskyy
    kind: official
    party_to_conflict: true
"""
MINIMAL = (
    DECLARED
    + """\
metrics:
  nk-casualties:
    label: North Korean casualties
    unit: people
    category: casualties
    aggregation: cumulative
    since: 2024-10
  us-package:
    label: US package
    unit: USD
    category: aid
    aggregation: increment
"""
)


@pytest.fixture
def minimal() -> str:
    """Declarations every inline test can build facts on (sources, claimants, metrics; no facts)."""
    return MINIMAL


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for every browser test of the session (see tests/serving.py): one sync
    Playwright per process, since a second one would clash."""
    from .serving import browser

    with browser() as instance:
        yield instance


@pytest.fixture
def tiny_path(write):
    """The export tests' small fact base (tests/test_export.py's TINY_FACTS), written to tmp."""
    from .test_export import TINY_FACTS

    return write("facts.yaml", TINY_FACTS)


@pytest.fixture
def tiny(tiny_path):
    from dashboard import load_factbase

    return load_factbase(tiny_path)
