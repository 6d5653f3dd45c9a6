"""Writes lose nothing: a writer killed with SIGKILL at random moments leaves the old file or the new
one, complete, and the temporary file it may leave behind is cleaned up by the next write."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dashboard import load_factbase
from dashboard.factbase.atomic import remove_stale_temporaries, temporaries_of, write_bytes_atomic

from .conftest import ROOT

# The real module file, loaded without the dashboard package (whose import pulls in pandas), so
# that a writer starts in a few milliseconds and the kills spread over its writes, not its imports.
WRITER = textwrap.dedent("""
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
    atomic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(atomic)
    contents = [open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()]
    print("ready", flush=True)
    n = 0
    while True:
        atomic.write_bytes_atomic(sys.argv[2], contents[n % 2])
        n += 1
""")


def versions(size: int) -> tuple[bytes, bytes]:
    """Two contents of different lengths, each line numbered, so that any mix or cut shows."""
    old = b"".join(b"old line %08d of the first version\n" % i for i in range(size // 36))
    new = b"".join(b"NEW LINE %08d, the second version, longer\n" % i for i in range(size // 40 + 1000))
    return old, new


def kill_at(process: subprocess.Popen, delay: float) -> None:
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_a_writer_killed_at_random_moments_leaves_the_old_or_the_new_file(tmp_path, long):
    rng = random.Random(7)
    old, new = versions(4_000_000)
    (tmp_path / "a").write_bytes(new)  # the writer writes new, old, new, ... over an old target
    (tmp_path / "b").write_bytes(old)
    target = tmp_path / "facts.yaml"
    target.write_bytes(old)
    kills = 500 if long else 50
    seen = {old: 0, new: 0}
    leftovers = 0
    for _ in range(kills):
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(ROOT / "dashboard" / "factbase" / "atomic.py"),
                str(target),
                str(tmp_path / "a"),
                str(tmp_path / "b"),
            ],
            stdout=subprocess.PIPE,
        )
        assert writer.stdout.readline() == b"ready\n"
        kill_at(writer, rng.uniform(0, 0.25))
        content = target.read_bytes()
        assert content in (old, new), f"after a kill the file is {len(content)} bytes, neither version"
        seen[content] += 1
        left = temporaries_of(target)
        # At most the killed writer's own temporary file: the writer before it was cleaned up on start.
        assert len(left) <= 1, left
        assert all(f".{writer.pid}." in path.name for path in left), left
        leftovers += len(left)
    # The kills landed both between writes and inside them (the test would prove nothing otherwise).
    assert seen[old] and seen[new], seen
    assert leftovers, "no kill landed inside a write"
    print(f"\n{kills} kills: old {seen[old]}, new {seen[new]}, inside a write (temporary left) {leftovers}")

    # The next write removes the dead writer's temporary file; nothing but the target remains.
    write_bytes_atomic(target, b"schema_version: 1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "facts.yaml"]


def test_a_running_writers_temporary_file_is_left_alone(tmp_path):
    target = tmp_path / "facts.yaml"
    target.write_bytes(b"old\n")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mine = tmp_path / f".facts.yaml.{sleeper.pid}.abc123.tmp"
        mine.write_bytes(b"half a write")
        gone = tmp_path / ".facts.yaml.999999999.zz9_x.tmp"  # no such process
        gone.write_bytes(b"left by a killed writer")
        other = tmp_path / ".other.yaml.999999999.zz9_x.tmp"  # another file's: not ours to touch
        other.write_bytes(b"x")
        assert remove_stale_temporaries(target) == [gone]
        assert mine.exists() and other.exists() and not gone.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    write_bytes_atomic(target, b"new\n")
    assert not mine.exists() and target.read_bytes() == b"new\n"


def test_a_leftover_temporary_file_is_never_read_as_the_fact_file(tmp_path, minimal):
    target = tmp_path / "facts.yaml"
    target.write_text(minimal, encoding="utf-8")
    # What a writer killed mid-write leaves: half of a newer version, beside the real file.
    (tmp_path / f".facts.yaml.{999_999_999}.k1ll3d.tmp").write_text(minimal[: len(minimal) // 2], encoding="utf-8")
    base = load_factbase(target)
    assert [Path(f).name for f in base.files] == ["facts.yaml"]
    assert len(base.claimants) == 2


# ---- the real `factdash import` ------------------------------------------------------------------

SPEC = """\
spec_version: 1
title: Kill test import
input:
  path: data.json
  format: json
output:
  path: out/facts.yaml
date:
  column: date
stated: as_of
metric_columns:
  tank: tanks
  plane: planes
claimant: staff
source: rep
id: "t-{metric}-{date}"
sources:
  rep:
    title: A daily report
    kind: government
claimants:
  staff:
    name: The staff
    kind: military
    party_to_conflict: true
metrics:
  tanks:
    label: Tanks lost
    unit: items
    category: equipment-losses
    aggregation: cumulative
    since: 2000-01-01
  planes:
    label: Planes lost
    unit: items
    category: equipment-losses
    aggregation: cumulative
    since: 2000-01-01
"""


def daily_rows(days: int, step: int) -> str:
    import datetime as dt

    start = dt.date(2000, 1, 2)
    return json.dumps(
        [{"date": (start + dt.timedelta(days=i)).isoformat(), "tank": i * step, "plane": i} for i in range(days)]
    )


def run_import(spec: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", str(spec), "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "FACTDASH_CACHE_DIR": "off"},
    )


def wait_for_temporary(target: Path, process: subprocess.Popen, *, timeout: float) -> float:
    """Poll until `process` has opened its temporary file beside `target`; 0 (kill now) on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(f".{process.pid}." in path.name for path in temporaries_of(target)):
            break
        time.sleep(0.0005)
    return 0.0


def test_factdash_import_killed_at_random_moments_leaves_the_old_or_the_new_file(tmp_path, long):
    rng = random.Random(11)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    data = tmp_path / "data.json"
    out = tmp_path / "out" / "facts.yaml"
    inputs = [daily_rows(9000, 3), daily_rows(9000, 5)]  # ~18,000 facts: a file of a few MB
    outputs, durations = [], []
    for text in inputs:
        data.write_text(text, encoding="utf-8")
        started = time.monotonic()
        finished = run_import(spec)
        assert finished.wait(timeout=300) == 0, finished.stderr.read().decode()
        durations.append(time.monotonic() - started)
        outputs.append(out.read_bytes())
    assert outputs[0] != outputs[1] and min(map(len, outputs)) > 1_000_000
    duration = min(durations)

    kills = 100 if long else 12
    seen = [0, 0]
    leftovers = 0
    for i in range(kills):
        data.write_text(inputs[i % 2], encoding="utf-8")
        before = out.read_bytes()
        importer = run_import(spec)
        if i % 3:
            # Most of an import is reading and checking; its write is a short last moment: watch for
            # the temporary file to appear and kill inside the write (or just after it).
            kill_at(importer, wait_for_temporary(out, importer, timeout=3 * duration) + rng.uniform(0, 0.01))
        else:
            kill_at(importer, rng.uniform(0, 1.1 * duration))
        content = out.read_bytes()
        assert content in (before, outputs[i % 2]), f"after a kill the output is {len(content)} bytes"
        seen[outputs.index(content)] += 1
        leftovers += len(temporaries_of(out))
        assert len(temporaries_of(out)) <= 1
    assert leftovers, "no kill landed inside the write"
    # The complete file loads: a leftover temporary beside it changes nothing.
    assert len(load_factbase(out).facts) == 18_000
    assert sum(seen) == kills
    print(f"\n{kills} import kills ({duration:.1f} s per import): old/new {seen}, temporary left {leftovers}")


# ---- the real `factdash add` ---------------------------------------------------------------------


def run_add(folder: Path, fact_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.cli",
            "add",
            "fact",
            fact_id,
            "--metric",
            "us-package",
            "--claimant",
            "us-officials",
            "--source",
            "rep",
            "--value",
            "$500 million",
            "--qualifier",
            "exact",
            "--as-of",
            f"2025-01-{int(fact_id[1:]) % 28 + 1:02d}",
            "--quote",
            "Austin announced an additional $500 million.",
            "--to",
            "facts.yaml",
            "--facts",
            "facts.yaml",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "FACTDASH_CACHE_DIR": "off"},
    )


def test_factdash_add_killed_at_random_moments_leaves_the_old_or_the_new_file(tmp_path, minimal, long):
    """The editing command: each addition is first made to completion in a twin folder (the new
    version), then made again and killed; the file must be the old version or that new one."""
    rng = random.Random(13)
    # Comments and blank lines between entries: the file a curator edits by hand.
    original = (
        "# yaml-language-server: $schema=facts.schema.json\n# Kept by hand.\n"
        + minimal
        + "\n# The figures, newest last.\nfacts:\n"
    )
    folder, twin = tmp_path / "live", tmp_path / "twin"
    for where in (folder, twin):
        where.mkdir()
        (where / "facts.yaml").write_text(original, encoding="utf-8")
    target = folder / "facts.yaml"
    kills = 60 if long else 8
    seen = {"old": 0, "new": 0}
    leftovers = 0
    for i in range(kills):
        fact_id = f"f{i}"
        (twin / "facts.yaml").write_bytes(target.read_bytes())
        started = time.monotonic()
        done = run_add(twin, fact_id)
        assert done.wait(timeout=120) == 0, done.stderr.read().decode()
        duration = time.monotonic() - started
        new = (twin / "facts.yaml").read_bytes()
        before = target.read_bytes()
        assert new != before and new.startswith(before[: before.index(b"facts:")])
        adder = run_add(folder, fact_id)
        if i % 2:
            kill_at(adder, wait_for_temporary(target, adder, timeout=3 * duration) + rng.uniform(0, 0.005))
        else:
            kill_at(adder, rng.uniform(0, 1.1 * duration))
        content = target.read_bytes()
        assert content in (before, new), f"after kill {i} the file is neither version ({len(content)} bytes)"
        seen["new" if content == new else "old"] += 1
        leftovers += len(temporaries_of(target))
    assert sum(seen.values()) == kills
    final = load_factbase(target)  # whichever version, it is complete and valid
    assert len(final.facts) == seen["new"]
    assert target.read_text(encoding="utf-8").startswith(original.rstrip("\n").rsplit("\nfacts:", 1)[0])
    print(f"\n{kills} add kills: {seen}, temporary left {leftovers}")
