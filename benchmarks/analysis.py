"""How long conflicts and checks take on a large fact base, next to how long it takes to load.

Generates a fact base of 100,000 facts (many metrics, claimants and sources; daily running
totals with corrections; aid packages at several stages; quotes in the usual written forms; a
few slipped figures), writes it as YAML into a temporary folder, loads it cold and warm, then
times `find_conflicts` and `run_checks` (median of 5 runs each).

    python benchmarks/analysis.py [--facts 100000] [--runs 5]

The target: conflicts and checks together under 1 s for 100,000 facts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = ("deaths", "casualties", "losses")
STAGES = ("announced", "committed", "delivered")


def generate(count: int, seed: int = 1) -> str:
    """A fact base of about `count` facts as YAML text: 60% running totals, 30% packages, 10% levels."""
    rng = random.Random(seed)
    claimants = [f"claimant-{i}" for i in range(60)]
    sources = [f"source-{i}" for i in range(800)]
    lines = ["schema_version: 1", "title: Generated benchmark fact base", "sources:"]
    for i, source in enumerate(sources):
        lines += [f"  {source}:", f"    title: Report {i}", "    kind: news",
                  f"    published: {date(2022, 3, 1) + timedelta(days=i)}"]
    lines.append("claimants:")
    for i, claimant in enumerate(claimants):
        lines += [f"  {claimant}:", f"    name: Claimant {i}", "    kind: government",
                  f"    party_to_conflict: {'true' if i % 5 == 0 else 'false'}"]
    lines.append("metrics:")
    metrics = []
    for i in range(40):
        metric = f"{CATEGORIES[i % 3]}-{i}"
        metrics.append(("cumulative", metric, "people"))
        lines += [f"  {metric}:", f"    label: {CATEGORIES[i % 3].title()} on front {i}", "    unit: people",
                  f"    category: {CATEGORIES[i % 3]}", "    aggregation: cumulative", "    since: 2022-02-24",
                  f"    subject: Front {i}"]
    for i in range(20):
        for kind, aggregation in (("packages", "increment"), ("total", "cumulative"), ("left", "level")):
            metric = f"aid-{kind}-{i}"
            metrics.append((aggregation, metric, "USD"))
            lines += [f"  {metric}:", f"    label: Aid {kind} from donor {i}", "    unit: USD", "    category: aid",
                      f"    aggregation: {aggregation}", "    since: 2022-02", f"    subject: Donor {i}"]
    lines.append("facts:")

    start = date(2022, 3, 1)
    made = 0
    shares = {"cumulative": 0.6, "increment": 0.3, "level": 0.1}
    per_kind = {k: sum(1 for m in metrics if m[0] == k) for k in shares}
    for aggregation, metric, unit in metrics:
        quota = int(count * shares[aggregation] / per_kind[aggregation])
        reporting = rng.sample(claimants, 6)
        per_claimant = quota // len(reporting)
        for claimant in reporting:
            level = rng.uniform(1e3, 5e4) if unit == "people" else rng.uniform(1e9, 5e10)
            bias = rng.uniform(0.6, 1.6)  # claimants disagree
            step = max(1, 1000 // per_claimant)
            stage = rng.choice(STAGES) if metric.startswith("aid-") and aggregation != "level" else None
            for k in range(per_claimant):
                day = start + timedelta(days=k * step + rng.randrange(step))
                if aggregation == "cumulative":
                    level *= 1 + rng.uniform(-0.002, 0.01)  # now and then a correction
                    value = round(level * bias)
                elif aggregation == "increment":
                    value = rng.choice((125, 250, 400, 500, 725, 988)) * 1_000_000
                else:
                    value = round(level * bias, -6)
                if rng.random() < 0.0005:
                    value *= 1000  # a slipped million/billion
                made += 1
                lines += _fact(rng, f"f{made}", metric, unit, value, day, claimant, rng.choice(sources), stage)
    return "\n".join(lines) + "\n"


def _fact(rng: random.Random, fact_id: str, metric: str, unit: str, value: float, day: date, claimant: str,
          source: str, stage: str | None) -> list[str]:
    qualifier = rng.choices(("exact", "approximately", "at_least", "more_than"), (70, 20, 5, 5))[0]
    written = _written(rng, value, unit)
    lines = [f"  - id: {fact_id}", f"    metric: {metric}", f"    value: {value}", f"    qualifier: {qualifier}",
             f"    as_of: {day.isoformat()}", f"    claimant: {claimant}", f"    source: {source}"]
    if rng.random() < 0.9:
        words = rng.choice(("reported", "estimated", "put the figure at", "said"))
        lines.append(f"    quote: \"The claimant {words} {written} on the day\"")
    if stage:
        lines.append(f"    stage: {stage}")
    return lines


def _written(rng: random.Random, value: float, unit: str) -> str:
    if unit == "USD":
        billions = value / 1e9
        return rng.choice((f"${billions:g} billion", f"${value / 1e6:,.0f} million", f"{billions:g}bn dollars"))
    return rng.choice((f"{value:,.0f}", f"{value:.0f}", f"{value:,.0f} people"))


def _median_time(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000, help="how many facts to generate (default 100000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing; the median is reported (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        os.environ["FACTDASH_CACHE_DIR"] = str(Path(folder) / "cache")
        from dashboard import load_factbase
        from dashboard import cache as factdash_cache
        from dashboard.checks import run_checks
        from dashboard.conflicts import find_conflicts

        path = Path(folder) / "facts.yaml"
        path.write_text(generate(args.facts), encoding="utf-8")
        began = time.perf_counter()
        base = load_factbase(path)
        cold = time.perf_counter() - began
        factdash_cache._MEMORY.clear()  # warm = from the disk cache, as a fresh process would load it
        began = time.perf_counter()
        load_factbase(path)
        warm = time.perf_counter() - began

        conflicts_time, conflicts = _median_time(lambda: find_conflicts(base.facts), args.runs)
        checks_time, findings = _median_time(lambda: run_checks(base), args.runs)
        both_time, _ = _median_time(lambda: (find_conflicts(base.facts), run_checks(base)), args.runs)

    print(f"fact base: {base.summary()}")
    print(f"load, cold (parse and validate):  {cold:8.3f} s")
    print(f"load, warm (disk cache):          {warm:8.3f} s")
    print(f"find_conflicts:                   {conflicts_time:8.3f} s  ({len(conflicts)} groups)")
    print(f"run_checks:                       {checks_time:8.3f} s  ({len(findings)} findings)")
    print(f"conflicts + checks:               {both_time:8.3f} s  (target < 1 s; "
          f"{both_time / warm:.2f}x the warm load, {both_time / cold:.3f}x the cold load)")
    return 0 if both_time < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
