"""The questions analysis at scale: every question's disagreements, inconsistencies and explained
differences on a generated fact base whose measures form part_of chains three deep.

Run: python benchmarks/questions.py [--sizes 10000,100000] [--repeat 5]

Target (issue 16): at most 1 s for 100,000 facts. Printed beside it, as a baseline from the same
run, `find_conflicts` alone (what the dashboard computed before questions): the ratio says what
questions add on top of the conflicts they include.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generate import write_factbase  # noqa: E402

from dashboard import load_factbase  # noqa: E402
from dashboard.analysis.conflicts import find_conflicts  # noqa: E402
from dashboard.analysis.questions import answer_questions, questions_of  # noqa: E402


def timed(call) -> float:  # noqa: ANN001
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for size in [int(s) for s in args.sizes.split(",")]:
            base = load_factbase(write_factbase(Path(scratch) / str(size), size, part_of=True))
            questions = questions_of(base)
            deep = max(len(q.metrics) for q in questions)
            pairs = []
            for _ in range(args.repeat):
                conflicts = timed(lambda base=base: find_conflicts(base.facts))
                answers = timed(lambda base=base, q=questions: answer_questions(base.facts, base.metrics, q))
                pairs.append((answers, conflicts))
            answers = statistics.median(a for a, _ in pairs)
            ratio = statistics.median(a / c for a, c in pairs)
            print(
                f"{len(base.facts):>8,} facts, {len(questions)} questions (up to {deep} measures): "
                f"questions {answers:.3f} s (median of {args.repeat}), {ratio:.1f}x find_conflicts alone"
            )
    print("target: questions at most 1 s at 100,000 facts")


if __name__ == "__main__":
    # Generated series files of 100,000 facts and more exceed the default limit of one fact file
    # (16 MB): the benchmarks raise it, as a user with such files would (set here, not on import:
    # a test importing a benchmark's generator must not change the limit for the tests after it).
    os.environ.setdefault("FACTDASH_MAX_FILE_MB", "1024")
    main()
