"""A facts table's sort, server-side: every "Sort by" of the Sources table over all the facts of
the default base (27,000-odd rows), then its first page of 500 formatted as the table writes them.

Run: python benchmarks/tables.py [--repeat 7]

Target (issue 19): under 0.3 s for each order. Printed beside it, as a baseline from the same run,
pandas sorting the same frame by one float column (`central`) with no keys built: the ratio says
what the table's keys (case-folded text, a date's precision, missing values last) add on top.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import load_factbase  # noqa: E402
from dashboard.app.ui.components import SORTS, page_of, sort_facts  # noqa: E402
from dashboard.factbase.wording import format_value  # noqa: E402

TARGET = 0.3  # seconds, per order


def median_time(call, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def first_page(facts, by: str, descending: bool) -> list[str]:  # noqa: ANN001
    """What a rerun of the table does on the server before it sends: sort all, page, word the figures."""
    page = page_of(sort_facts(facts, by, descending=descending), 1)
    return [
        format_value(r.value, r.unit, r.qualifier, r.low, r.high, words=True, units=False) for r in page.itertuples()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    facts = load_factbase(ROOT / "facts.yaml").facts
    baseline = median_time(lambda: facts.sort_values("central", kind="stable"), args.repeat)
    print(f"{len(facts):,} facts; baseline (pandas sort_values by central): {baseline * 1000:.1f} ms")
    worst = 0.0
    for by in SORTS:
        for descending in (True, False):
            seconds = median_time(lambda by=by, d=descending: first_page(facts, by, d), args.repeat)
            worst = max(worst, seconds)
            order = "descending" if descending else "ascending"
            print(f"  {by:<12} {order:<10} {seconds * 1000:7.1f} ms  {seconds / baseline:5.1f}x baseline")
    verdict = "meets" if worst < TARGET else "misses"
    print(f"slowest order {worst * 1000:.1f} ms (median of {args.repeat}): {verdict} the {TARGET} s target")


if __name__ == "__main__":
    main()
