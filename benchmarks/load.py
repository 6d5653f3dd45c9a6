"""Load speed: cold, warm and after a small edit, against json.loads of the same content.

Run: python benchmarks/load.py [--sizes 1000,10000,100000] [--repeat 3]

Every load runs in a fresh Python process (imports excluded from the timing), so "cold" means
an empty disk cache and "warm" means the disk cache of an earlier process, as for the CLI.
Baselines are measured in the same run: json.loads of the same content (the parsed files
dumped as JSON) and PyYAML's CSafeLoader parse alone. Medians of --repeat runs. "no scanner" is
the cold load with FACTDASH_SCANNER=off (every file the general YAML path, as on an install without
a C compiler); the last line says whether the scanner was built at all.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_factbase, write_top  # noqa: E402

TIMED_LOAD = """
import sys, time
from dashboard import load_factbase
started = time.perf_counter()
base = load_factbase(sys.argv[1])
print(time.perf_counter() - started, len(base.facts))
"""


def load_in_fresh_process(path: Path, cache: Path, scanner: bool = True) -> float:
    env = {"FACTDASH_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "FACTDASH_SCANNER": "on" if scanner else "off"}
    result = subprocess.run([sys.executable, "-c", TIMED_LOAD, str(path)], capture_output=True, text=True,
                            env=env, check=True, timeout=600)
    return float(result.stdout.split()[0])


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(size: int, repeat: int, folder: Path) -> dict:
    top = write_factbase(folder, size)
    texts = [top.read_text(encoding="utf-8"), (folder / "series.yaml").read_text(encoding="utf-8")]
    documents = [yaml.load(text, Loader=yaml.CSafeLoader) for text in texts]
    as_json = [json.dumps(doc, default=str) for doc in documents]
    json_loads = median_time(lambda: [json.loads(j) for j in as_json], max(repeat, 5))
    csafe = median_time(lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts],
                        1 if size >= 100_000 else repeat)

    colds, warms, edits, generals = [], [], [], []
    for run in range(repeat):
        cache = folder / f"cache-{run}"
        shutil.rmtree(cache, ignore_errors=True)
        generals.append(load_in_fresh_process(top, cache, scanner=False))  # every file the general way
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(load_in_fresh_process(top, cache))
        warms.append(load_in_fresh_process(top, cache))
        write_top(folder, note=f"edit {run}")  # the small file changes, series.yaml does not
        edits.append(load_in_fresh_process(top, cache))
    return {"facts": size, "json_loads": json_loads, "csafe_parse": csafe, "cold": statistics.median(colds),
            "general": statistics.median(generals),
            "warm": statistics.median(warms), "edit": statistics.median(edits)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'facts':>8} {'json.loads':>11} {'CSafe parse':>12} {'cold':>8} {'warm':>8} {'edit':>8}"
          f" {'cold/json':>10} {'warm/json':>10} {'CSafe/json':>11} {'no scanner':>11} {'its/json':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            r = measure(size, args.repeat, Path(scratch) / str(size))
            print(f"{r['facts']:>8} {r['json_loads']:>10.3f}s {r['csafe_parse']:>11.3f}s {r['cold']:>7.3f}s"
                  f" {r['warm']:>7.3f}s {r['edit']:>7.3f}s {r['cold'] / r['json_loads']:>9.2f}x"
                  f" {r['warm'] / r['json_loads']:>9.2f}x {r['csafe_parse'] / r['json_loads']:>10.1f}x"
                  f" {r['general']:>10.3f}s {r['general'] / r['json_loads']:>8.2f}x", flush=True)
    print("targets: cold <= 5x json.loads; warm <= 1x json.loads; edit of the small top file < 0.3 s")
    # Asked of a fresh process, as the loads are (this folder's dashboard.py would shadow the package here).
    built = subprocess.run([sys.executable, "-c", "from dashboard import factscan; print(factscan.AVAILABLE)"],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout.strip() == "True"
    print("facts scanner (dashboard._factscan):", "built: clean files are read by it" if built else
          "NOT built (no C compiler at install?): every file went the general YAML path")


if __name__ == "__main__":
    main()
