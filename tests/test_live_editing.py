"""Live editing: the fact file is rewritten 100 times under a running dashboard (valid versions, broken
ones, partial writes, the file deleted and restored), and every render shows the new data or the last
good data with a warning: never a traceback."""

from __future__ import annotations

import random
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard import FactBaseError, load_factbase

from .conftest import ROOT
from .serving import serve

pytestmark = pytest.mark.browser

STALE = "the pages show the last good version"
PAGES = {"Overview": "Who says what", "Sources": "Sources and their words", "Data quality": "Data quality"}
COUNT = re.compile(r"([\d,]+) of ([\d,]+) facts shown")
# The real files included: the Ramstein file and the two whose measures its measures are part of.
REAL_FILES = ("claimants.yaml", "ramstein-2025-01.yaml", "nk-casualties.yaml", "us-aid-totals.yaml")
BASE_FACTS = 20 + 16 + 54  # in facts/ramstein-2025-01.yaml, nk-casualties.yaml and us-aid-totals.yaml


def top_file(revision: int, extra: int) -> str:
    """The top file: a description naming the revision, the two real files, `extra` facts of its own."""
    lines = [
        "# yaml-language-server: $schema=facts.schema.json",
        "schema_version: 1",
        "title: Live editing",
        f'description: "Live edit revision {revision}"',
        "include:",
        *(f"  - facts/{name}" for name in REAL_FILES),
        "facts:",
    ]
    for i in range(extra):
        lines.append(
            f"  - {{id: live-{i}, metric: udcg-member-countries, value: {50 + i}, as_of: 2025-01-09,"
            f' claimant: us-dod, source: ramstein-report, quote: "{50 + i} countries (edit {i})"}}'
        )
    return "\n".join(lines) + "\n"


def broken(kind: str, text: str) -> str:
    """A version the loader must refuse, of one kind."""
    if kind == "syntax":
        return text.replace("include:", "include: [\n", 1)
    if kind == "duplicate":
        return text.replace("title: Live editing", "title: Live editing\ntitle: Twice", 1)
    if kind == "reference":
        return (
            text + "  - {id: dangling, metric: udcg-member-countries, value: 1, as_of: 2025-01-09,"
            " claimant: nobody-at-all, source: ramstein-report}\n"
        )
    raise ValueError(kind)


@dataclass
class Expect:
    """What a render must show: the fact count and revision of the data, and whether it is stale."""

    count: int
    revision: int | None
    stale: bool


def oracle(top: Path, last_good: Expect) -> Expect:
    """What the file on disk holds now, by the loader itself: its data, or the last good data, stale."""
    try:
        base = load_factbase(top)
    except FactBaseError:
        return Expect(last_good.count, last_good.revision, True)
    match = re.search(r"Live edit revision (\d+)", base.description or "")
    return Expect(len(base.facts), int(match.group(1)) if match else None, False)


class Renders:
    """One browser page on the dashboard; renders it by reloading or by switching pages, alternately."""

    def __init__(self, page, url: str):
        self.page, self.url, self.current, self.count = page, url, "Overview", 0
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(url, wait_until="domcontentloaded")
        self.settle()

    def render(self) -> None:
        self.count += 1
        if self.count % 2:
            self.page.reload(wait_until="domcontentloaded")
        else:
            choices = [name for name in PAGES if name != self.current]
            self.current = choices[self.count // 2 % len(choices)]
            self.page.locator("[data-testid='stSidebarNav'] a").filter(has_text=self.current).first.click()
        self.settle()

    def settle(self) -> None:
        """Until the run has drawn this page's heading and the sidebar count, and has finished."""
        self.page.wait_for_function(
            """heading => {
                const text = document.body.innerText || '';
                const done = !document.querySelector('[data-testid="stStatusWidget"]')
                    && [...document.querySelectorAll('h1')].some(h => h.innerText.includes(heading))
                    && (document.querySelector('[data-testid="stSidebar"]')?.innerText || '').includes('facts shown');
                return done || document.querySelector('[data-testid="stException"]') || text.includes('Traceback')
                    || text.includes('cannot be loaded');
            }""",
            arg=PAGES[self.current],
            timeout=60_000,
            polling=50,
        )

    def check(self, expect: Expect | None, step: str) -> Expect:
        """No traceback; the data shown is `expect` (or, with None, any consistent state); return what was shown."""
        page = self.page
        assert page.locator("[data-testid='stException']").count() == 0, f"{step}: an exception is shown"
        body = page.locator("body").inner_text()
        assert "Traceback" not in body, f"{step}: a traceback is shown"
        assert not self.errors, f"{step}: {self.errors}"
        match = COUNT.search(page.locator("[data-testid='stSidebar']").inner_text())
        assert match, f"{step}: no fact count in the sidebar"
        shown, total = (int(group.replace(",", "")) for group in match.groups())
        assert shown == total  # no filters set
        stale = STALE in body
        revision = re.search(r"Live edit revision (\d+)", body)
        seen = Expect(total, int(revision.group(1)) if revision else None, stale)
        if expect is not None:
            assert seen.stale == expect.stale, f"{step}: expected {expect}, shown {seen}"
            assert seen.count == expect.count, f"{step}: expected {expect}, shown {seen}"
            if self.current == "Overview":  # the description is drawn on the overview only
                assert seen.revision == expect.revision, f"{step}: expected {expect}, shown {seen}"
        return seen


def write_in_chunks(path: Path, data: bytes, *, chunk: int = 400, pause: float = 0.04) -> None:
    """A careless editor's save: truncate, then write piece by piece, readable at every moment."""
    with open(path, "wb") as out:
        for start in range(0, len(data), chunk):
            out.write(data[start : start + chunk])
            out.flush()
            time.sleep(pause)


def test_the_dashboard_survives_the_fact_file_being_rewritten_under_it(tmp_path, chromium, long):
    rng = random.Random(2025)
    (tmp_path / "facts").mkdir()
    for name in REAL_FILES:
        shutil.copy(ROOT / "facts" / name, tmp_path / "facts" / name)
    top = tmp_path / "facts.yaml"
    revision = 1
    top.write_text(top_file(revision, revision), encoding="utf-8")
    last_good = Expect(BASE_FACTS + 1, 1, False)
    assert oracle(top, last_good) == last_good  # the oracle agrees with the versions made here

    rewrites = 300 if long else 100
    kinds = ["valid"] * 8 + ["syntax", "duplicate", "reference"] * 2 + ["truncated"] * 4 + ["chunked"] * 2 + ["deleted"]
    tally: dict[str, int] = {}
    started = time.monotonic()
    with serve(top, env={"FACTDASH_CACHE_DIR": str(tmp_path / "server-cache")}) as url:
        page = chromium.new_page(viewport={"width": 1300, "height": 900})
        renders = Renders(page, url)
        renders.check(last_good, "first load")
        for step in range(rewrites):
            kind = rng.choice(kinds)
            tally[kind] = tally.get(kind, 0) + 1
            label = f"rewrite {step} ({kind}, page {renders.current})"
            if kind == "valid":
                revision += 1
                top.write_text(top_file(revision, revision), encoding="utf-8")
                expect = Expect(BASE_FACTS + revision, revision, False)
                assert oracle(top, last_good) == expect
            elif kind in ("syntax", "duplicate", "reference"):
                top.write_text(broken(kind, top_file(revision + 1, revision + 1)), encoding="utf-8")
                expect = Expect(last_good.count, last_good.revision, True)
                assert oracle(top, last_good) == expect
            elif kind == "truncated":  # a save cut short: sometimes still valid YAML (fewer facts), mostly not
                revision += 1
                text = top_file(revision, revision).encode()
                top.write_bytes(text[: rng.randrange(20, len(text) - 1)])
                expect = oracle(top, last_good)
                tally["truncated and refused"] = tally.get("truncated and refused", 0) + expect.stale
            elif kind == "deleted":
                top.unlink()
                expect = Expect(last_good.count, last_good.revision, True)
                renders.render()
                renders.check(expect, label + " deleted")
                revision += 1
                top.write_text(top_file(revision, revision), encoding="utf-8")  # and restored
                expect = Expect(BASE_FACTS + revision, revision, False)
            else:  # chunked: written piece by piece while the page renders
                revision += 1
                data = top_file(revision, revision).encode()
                writer = threading.Thread(target=write_in_chunks, args=(top, data))
                writer.start()
                while writer.is_alive():
                    renders.render()
                    seen = renders.check(None, label + " during the write")
                    # Mid-write: the last good data with the warning, or a complete prefix of the new
                    # version (never more facts than it has).
                    tally[f"mid-write render: {'stale' if seen.stale else 'loaded'}"] = (
                        tally.get(f"mid-write render: {'stale' if seen.stale else 'loaded'}", 0) + 1
                    )
                    if seen.stale:
                        assert seen.count == last_good.count, (label, seen, last_good)
                    else:
                        assert 0 <= seen.count <= BASE_FACTS + revision, (label, seen)
                        # A prefix that parses is a valid fact base: it becomes the last good copy
                        # that later renders of the same write fall back to.
                        last_good = Expect(seen.count, last_good.revision, False)
                writer.join()
                expect = Expect(BASE_FACTS + revision, revision, False)
            renders.render()
            renders.check(expect, label)
            if not expect.stale:
                last_good = expect
        page.close()
    elapsed = time.monotonic() - started
    print(f"\n{rewrites} rewrites, {renders.count} renders in {elapsed:.0f} s: {tally}")
    assert tally.get("valid") and tally.get("truncated") and tally.get("chunked") and tally.get("deleted")
