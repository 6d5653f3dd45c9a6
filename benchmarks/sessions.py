"""Many readers at once: filter change to updated chart, p50/p95, against one reader alone.

Run: python benchmarks/sessions.py [--sessions 20] [--seconds 60]

The same sessions as tests/test_load.py (one Chromium, a browser context per reader, each changing the
party filter and switching pages on the default fact base), measured twice in one run: one reader
alone (the baseline) and `--sessions` readers at once. Prints the p50/p95 of both, their ratio, the
server's memory, and the issue's target (p95 under 1.5 s with 20 readers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_load import P95_LIMIT, load_run, percentile, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    alone = load_run(1, args.seconds)
    print("baseline:", summary(1, alone))
    many = load_run(args.sessions, args.seconds)
    print("load:    ", summary(args.sessions, many))
    base, load = alone["report"].latencies, many["report"].latencies
    if not base or not load:
        print("no filter changes measured")
        return 1
    p95 = percentile(load, 0.95)
    print(f"\nfilter change -> updated chart  {'p50':>7} {'p95':>7}")
    print(f"1 reader                        {statistics.median(base):6.2f}s {percentile(base, 0.95):6.2f}s")
    print(f"{args.sessions} readers{' ' * (24 - len(str(args.sessions)))}{statistics.median(load):6.2f}s {p95:6.2f}s")
    print(f"ratio p95, {args.sessions} readers / 1 reader: {p95 / percentile(base, 0.95):.1f}x")
    print(f"target: p95 under {P95_LIMIT} s with {args.sessions} readers: {'met' if p95 < P95_LIMIT else 'MISSED'}")
    problems = many["report"].problems + alone["report"].problems
    for problem in problems[:10]:
        print("problem:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
