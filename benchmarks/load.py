"""Load speed: cold, warm and after a small edit, against json.loads of the same content, for YAML
fact files, CSV fact tables and the default fact base.

Run: python benchmarks/load.py [--sizes 1000,10000,100000] [--repeat 5]

Every timing runs in a fresh Python process with its imports excluded from the time, the baseline
too: json.loads of the same content (the parsed files dumped as JSON) is timed in a process of its
own, as a load is. "cold" has an empty disk cache, "warm" the disk cache of an earlier process, and
"edit" follows a change to the small top file that includes the large unchanged one. Each repeat
times the baseline and the loads one after the other, and a ratio is the median of the repeats'
ratios: this machine's speed drifts by tens of per cent over a minute, and pairs drift together.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_factbase, write_top  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

TIMED_LOAD = """
import sys, time
from dashboard import load_factbase
started = time.perf_counter()
base = load_factbase(sys.argv[1])
print(time.perf_counter() - started, len(base.facts))
"""

TIMED_JSON = """
import json, sys, time
texts = [open(path, encoding="utf-8").read() for path in sys.argv[1:]]
started = time.perf_counter()
for text in texts:
    json.loads(text)
print(time.perf_counter() - started)
"""


def in_fresh_process(code: str, *args: str, cache: Path | None = None) -> float:
    env = {
        "FACTDASH_CACHE_DIR": str(cache) if cache else "off",
        "PATH": "/usr/bin:/bin",
        "FACTDASH_MAX_FILE_MB": "1024",
    }
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True, timeout=900, cwd=ROOT
    )
    return float(result.stdout.split()[0])


def json_baseline(files: list[Path], folder: Path) -> list[str]:
    """json.loads of the same content: each file as parsed (CSV tables as their rows), dumped as JSON."""
    dumped = []
    for i, path in enumerate(files):
        if path.suffix == ".csv":
            import csv

            content = list(csv.DictReader(path.open(encoding="utf-8")))
        else:
            content = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        target = folder / f"baseline-{i}.json"
        target.write_text(json.dumps(content, default=str), encoding="utf-8")
        dumped.append(str(target))
    return dumped


def timed_runs(top: Path, baseline: list[str], repeat: int, folder: Path, edit=None) -> dict:  # noqa: ANN001
    """Per repeat: json.loads of the baseline, then a cold load, a warm one and (with `edit`, which
    changes the small top file) one after an edit; medians, and medians of the paired ratios."""
    runs = []
    for run in range(repeat):
        cache = folder / f"cache-{run}"
        shutil.rmtree(cache, ignore_errors=True)
        row = {
            "json": in_fresh_process(TIMED_JSON, *baseline),
            "cold": in_fresh_process(TIMED_LOAD, str(top), cache=cache),
        }
        row["warm"] = in_fresh_process(TIMED_LOAD, str(top), cache=cache)
        if edit is not None:
            edit(run)
            row["edit"] = in_fresh_process(TIMED_LOAD, str(top), cache=cache)
        runs.append(row)
    out = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    out["cold/json"] = statistics.median(r["cold"] / r["json"] for r in runs)
    out["warm/json"] = statistics.median(r["warm"] / r["json"] for r in runs)
    return out


def measure(size: int, repeat: int, folder: Path, table: bool) -> dict:
    top = write_factbase(folder, size, table=table)
    files = [top, folder / "series.yaml"] + ([folder / "series.csv"] if table else [])
    times = timed_runs(
        top,
        json_baseline(files, folder),
        repeat,
        folder,
        edit=lambda run: write_top(folder, note=f"edit {run}", table=table),
    )
    return {"facts": size, "kind": "CSV table" if table else "YAML", **times}


def default_base(repeat: int, folder: Path) -> dict:
    """The bundled fact base: cold and warm, against json.loads of its files' content."""
    # Asked of a fresh process: this folder's dashboard.py would shadow the package here.
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from dashboard import load_factbase; print(json.dumps(load_factbase('facts.yaml').files))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"FACTDASH_CACHE_DIR": "off", "PATH": "/usr/bin:/bin", "FACTDASH_MAX_FILE_MB": "1024"},
    )
    files = [ROOT / f for f in json.loads(listed.stdout)]
    times = timed_runs(ROOT / "facts.yaml", json_baseline(files, folder), repeat, folder)
    return {"facts": "default", "kind": "facts.yaml", **times, "edit": None}


def show(r: dict) -> None:
    edit = f"{r['edit']:>7.3f}s" if r.get("edit") is not None else f"{'':>8}"
    facts = f"{r['facts']:,}" if isinstance(r["facts"], int) else r["facts"]
    print(
        f"{facts:>8} {r['kind']:>10} {r['json']:>10.3f}s {r['cold']:>7.3f}s {r['warm']:>7.3f}s {edit}"
        f" {r['cold/json']:>9.2f}x {r['warm/json']:>9.2f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'facts':>8} {'kind':>10} {'json.loads':>11} {'cold':>8} {'warm':>8} {'edit':>8} {'cold/json':>10}"
        f" {'warm/json':>10}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        show(default_base(args.repeat, Path(scratch)))
        for size in (int(s) for s in args.sizes.split(",")):
            for table in (False, True):
                show(measure(size, args.repeat, Path(scratch) / f"{size}-{table}", table))
    print(
        "targets: YAML cold <= 5x json.loads, warm <= 1x; a CSV table cold <= 1x; the default base cold <= 0.5 s,"
        " warm <= 0.05 s; an edit of the small top file < 0.3 s"
    )


if __name__ == "__main__":
    main()
