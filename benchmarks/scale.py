"""Scale: the whole system on fact bases of 10k, 100k and 1M facts (and on the default fact base).

    python benchmarks/scale.py [--sizes default,10000,100000,1000000] [--thread-cold-max 100000] [--markdown]
                               [--load-only]

For each size a fact base of realistic shape is generated in a temporary folder: a small top file
that includes a declarations file and series files of at most 50,000 facts each, with hundreds of
claimants, sources and metrics, daily running totals over 1,600 days (with corrections that fall),
ranges, qualifiers, quotes, notes and tags. Then, each in a fresh Python process (imports not timed):

- load, cold: empty disk cache, in the main thread (the CLI) and in another thread (the Streamlit
  server's script thread; up to --thread-cold-max facts);
- load, warm: the disk cache of an earlier process (what a server restart or a CLI command sees);
- find_conflicts and run_checks on the loaded facts;
- every dashboard page through Streamlit's AppTest: the first run and the median of 3 reruns
  (server-side script time: what a reader waits for before the browser draws);
- the peak memory (max RSS) of the process that served the pages, and of the cold load.

With --load-only, the loads alone (cold, warm, peak memory), not the pages: what a 1,000,000-fact
base costs to load without the hour its pages take.

Prints one table; --markdown prints it as docs/scale.md's table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_FILE = 50_000
DAYS = 1_600
PAGES = [
    "views/overview.py",
    "views/compare.py",
    "views/timelines.py",
    "views/aid.py",
    "views/sources.py",
    "views/quality.py",
]
QUALIFIERS = ["exact"] * 7 + ["approximately"] * 2 + ["at_least"]


def write_factbase(folder: Path, facts: int, *, seed: int = 1) -> Path:
    """Write folder/facts.yaml (including declarations.yaml and series-NN.yaml); return its path."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    claimants = max(20, min(400, facts // 2_000))
    metrics = max(10, min(120, facts // 5_000))
    sources = max(50, min(1_000, facts // 1_000))
    lines = [
        "# yaml-language-server: $schema=facts.schema.json",
        "schema_version: 1",
        "title: Declarations for the scale benchmark",
        "sources:",
    ]
    start = dt.date(2022, 2, 25)
    for s in range(sources):
        lines += [
            f"  src-{s}:",
            f"    title: Daily report number {s}",
            f"    publisher: Publisher {s % 60}",
            f"    url: https://example.org/reports/{s}",
            f"    published: {start + dt.timedelta(days=s % DAYS)}",
            "    kind: government" if s % 4 == 0 else "    kind: news",
        ]
    lines += ["  dataset-1:", "    title: A compiled dataset", "    kind: dataset", "    license: MIT"]
    lines.append("claimants:")
    for c in range(claimants):
        kind = "military" if c % 5 == 0 else "media"
        lines += [
            f"  claimant-{c}:",
            f"    name: Claimant number {c}",
            f"    kind: {kind}",
            f"    party_to_conflict: {'true' if c % 5 == 0 else 'false'}",
        ]
    lines.append("metrics:")
    for m in range(metrics):
        money = m % 10 == 0
        lines += [
            f"  metric-{m}:",
            f"    label: Metric number {m}",
            f"    unit: {'USD' if money else 'items'}",
            f"    category: {'aid' if money else 'equipment-losses' if m % 2 else 'casualties'}",
            "    aggregation: cumulative",
            "    since: 2022-02-24",
            f"    definition: What metric {m} counts, and how the claimants differ",
        ]
    (folder / "declarations.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Series: one claimant's daily running total of one metric, as the General Staff's or Oryx's.
    per_series = min(DAYS, max(50, facts // (claimants * 2)))
    files, written, series = [], 0, 0
    while written < facts:
        count = min(PER_FILE, facts - written)
        out = [
            "# yaml-language-server: $schema=facts.schema.json",
            "schema_version: 1",
            f"title: Generated series, part {len(files) + 1}",
            "facts:",
        ]
        for _ in range(count):
            step = written % per_series
            if step == 0:
                series += 1
                metric, claimant = series % metrics, (series * 7) % claimants
                total, first_day = rng.randint(0, 100), rng.randint(0, DAYS - per_series)
            total += rng.randint(0, 40) if rng.random() > 0.01 else -rng.randint(1, 5)  # corrections fall
            total = max(total, 0)
            day = start + dt.timedelta(days=first_day + step)
            qualifier = rng.choice(QUALIFIERS)
            out += [f"  - id: s{series}-m{metric}-c{claimant}-{day}", f"    metric: metric-{metric}"]
            if written % 97 == 0:
                out += [f"    low: {total}", f"    high: {total * 2 + 1}"]
                qualifier = "exact"
            elif written % 31 == 0:
                out.append(f'    value: "{total:,}"')
            else:
                out.append(f"    value: {total}")
            if qualifier != "exact":
                out.append(f"    qualifier: {qualifier}")
            out += [
                f"    as_of: {day}",
                f"    stated: {day}",
                f"    claimant: claimant-{claimant}",
                f"    source: src-{written % sources}",
            ]
            if written % 3 == 0:
                out.append("    via: dataset-1")
            if written % 5 == 0:
                out.append(f'    quote: "The report puts the total at {total:,} as of {day:%d %B %Y}."')
            if written % 11 == 0:
                out += [
                    "    note: Taken from the daily report",
                    "    tags:",
                    "      - generated",
                    f"      - s{series % 9}",
                ]
            written += 1
        name = f"series-{len(files) + 1:02d}.yaml"
        (folder / name).write_text("\n".join(out) + "\n", encoding="utf-8")
        files.append(name)
    shutil.copy(ROOT / "facts.schema.json", folder)
    top = folder / "facts.yaml"
    top.write_text(
        "# yaml-language-server: $schema=facts.schema.json\nschema_version: 1\n"
        f"title: Scale benchmark ({facts:,} facts)\ndescription: Generated by benchmarks/scale.py\n"
        "include:\n  - declarations.yaml\n" + "".join(f"  - {f}\n" for f in files),
        encoding="utf-8",
    )
    return top


LOAD = """
import json, resource, sys, threading, time
from dashboard import load_factbase
from dashboard.factbase import cache
where = sys.argv[2]
out = {}
def run():
    started = time.perf_counter()
    base = load_factbase(sys.argv[1])
    out["seconds"] = time.perf_counter() - started
    out["facts"] = len(base.facts)
if where == "thread":
    worker = threading.Thread(target=run); worker.start(); worker.join()
else:
    run()
cache.flush()
out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

SERVE = """
import json, resource, statistics, sys, time
from dashboard import load_factbase
from dashboard.analysis.checks import run_checks
from dashboard.analysis.conflicts import find_conflicts
from streamlit.testing.v1 import AppTest
out = {}
base = load_factbase(sys.argv[1])
for name, work in (("conflicts", lambda: find_conflicts(base.facts)), ("checks", lambda: run_checks(base))):
    times = []
    for _ in range(3):
        started = time.perf_counter(); work(); times.append(time.perf_counter() - started)
    out[name] = min(times)
for page in json.loads(sys.argv[2]):
    at = AppTest.from_file(sys.argv[3], default_timeout=3600)
    at.run()
    started = time.perf_counter()
    if page != "views/overview.py":
        at.switch_page(page)
    at.run()
    first = time.perf_counter() - started
    times = []
    for _ in range(3):
        started = time.perf_counter(); at.run(); times.append(time.perf_counter() - started)
    out[page] = {"first": first, "rerun": statistics.median(times), "error": bool(at.exception)}
out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def python(code: str, *args: str, cache: Path, facts: Path | None = None, timeout: int = 7200) -> dict:
    env = {**os.environ, "FACTDASH_CACHE_DIR": str(cache), "PYTHONWARNINGS": "ignore"}
    if facts is not None:
        env["FACTDASH_FACTS"] = str(facts)
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(top: Path, scratch: Path, thread_cold: bool, load_only: bool = False) -> dict:
    cold_cache, thread_cache = scratch / "cache-cold", scratch / "cache-thread"
    for folder in (cold_cache, thread_cache):
        shutil.rmtree(folder, ignore_errors=True)
    row = {"path": str(top)}
    cold = python(LOAD, str(top), "main", cache=cold_cache)
    row["facts"], row["cold"], row["cold_rss_mb"] = cold["facts"], cold["seconds"], cold["max_rss_mb"]
    row["warm"] = min(python(LOAD, str(top), "main", cache=cold_cache)["seconds"] for _ in range(3))
    row["cold_thread"] = python(LOAD, str(top), "thread", cache=thread_cache)["seconds"] if thread_cold else None
    if load_only:
        return row
    served = python(
        SERVE, str(top), json.dumps(PAGES), str(ROOT / "dashboard" / "app" / "main.py"), cache=cold_cache, facts=top
    )
    row.update(served)
    return row


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        memory = float("nan")
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB RAM, Python {platform.python_version()}, {platform.system()}"
    )


def load_table(rows: list[dict]) -> str:
    return "\n".join(
        f"{r['facts']:,} facts: cold {r['cold']:.2f} s (server thread: "
        + (f"{r['cold_thread']:.2f} s" if r["cold_thread"] is not None else "not measured")
        + f"), warm {r['warm']:.2f} s, cold load peak memory {r['cold_rss_mb'] / 1024:.2f} GB"
        for r in rows
    )


def table(rows: list[dict], markdown: bool) -> str:
    short = {p: p.removeprefix("views/").removesuffix(".py") for p in PAGES}
    head = (
        ["facts", "load cold (main thread)", "load cold (server thread)", "load warm", "conflicts", "checks"]
        + [f"{short[p]} rerun" for p in PAGES]
        + ["slowest first page view", "server memory (max RSS)", "cold load memory (max RSS)"]
    )
    lines = []
    for r in rows:
        first = max(r[p]["first"] for p in PAGES)
        cells = [
            f"{r['facts']:,}" + (" (default)" if r.get("default") else ""),
            f"{r['cold']:.2f} s",
            f"{r['cold_thread']:.1f} s" if r["cold_thread"] is not None else "not measured",
            f"{r['warm']:.2f} s",
            f"{r['conflicts']:.2f} s",
            f"{r['checks']:.2f} s",
        ]
        cells += [f"{r[p]['rerun']:.2f} s" + (" (error)" if r[p]["error"] else "") for p in PAGES]
        cells += [f"{first:.1f} s", f"{r['max_rss_mb'] / 1024:.1f} GB", f"{r['cold_rss_mb'] / 1024:.1f} GB"]
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(out + ["| " + " | ".join(c) + " |" for c in lines])
    return "\n".join("  ".join(f"{h}: {c}" for h, c in zip(head, cells, strict=True)) for cells in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="default,10000,100000,1000000")
    parser.add_argument(
        "--thread-cold-max", type=int, default=100_000, help="measure the cold load in a thread up to this many facts"
    )
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="time the loads alone, not the pages")
    args = parser.parse_args()
    print(f"{dt.date.today()}: {machine()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes.split(","):
            folder = Path(scratch) / size
            folder.mkdir()
            if size == "default":
                top = ROOT / "facts.yaml"
            else:
                top = write_factbase(folder, int(size))
            facts = None if size == "default" else int(size)
            row = measure(
                top, folder, thread_cold=facts is None or facts <= args.thread_cold_max, load_only=args.load_only
            )
            row["default"] = size == "default"
            rows.append(row)
            print(load_table([row]) if args.load_only else table([row], markdown=False), flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    print(load_table(rows) if args.load_only else table(rows, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    # Generated series files of 100,000 facts and more exceed the default limit of one fact file
    # (16 MB): the benchmarks raise it, as a user with such files would (set here, not on import:
    # a test importing a benchmark's generator must not change the limit for the tests after it).
    os.environ.setdefault("FACTDASH_MAX_FILE_MB", "1024")
    sys.exit(main())
