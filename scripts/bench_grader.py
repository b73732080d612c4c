"""Benchmark the offline grader: time per answer over the bank's reference answers.

Usage: python scripts/bench_grader.py [--repeat N]

Grades every rubric's reference answer and weak answer N times (default 50) after a warm-up, and
prints the median, p90, p99 and max wall time per answer. A benchmark, not a timed test: the
figures go in closing notes, nothing asserts on them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.bank.rubric import load_bank  # noqa: E402
from agent.grading.offline.grader import OfflineGrader  # noqa: E402
from agent.grading.offline.signals import Signal  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    start = time.perf_counter()
    bank = load_bank()
    load_ms = (time.perf_counter() - start) * 1000
    grader = OfflineGrader()
    pairs = [(r, a) for r in bank.rubrics.values() for a in (r.reference_answer, r.weak_answer)]
    cold: list[float] = []
    for rubric, answer in pairs:  # warm-up: the first answer of a question compiles its cues
        t0 = time.perf_counter()
        grader.grade(rubric, answer)
        cold.append((time.perf_counter() - t0) * 1000)
    timings: list[float] = []
    for _ in range(args.repeat):
        # Every round reads the answers afresh: no reading or search remembered from the last.
        grader = OfflineGrader()
        Signal.forget_all()
        for rubric, answer in pairs:
            t0 = time.perf_counter()
            grader.grade(rubric, answer)
            timings.append((time.perf_counter() - t0) * 1000)
    print(f"bank: {len(bank.rubrics)} rubrics loaded in {load_ms:.0f} ms")
    print(
        f"first answer of a question (compiles its cues): median {statistics.median(cold[::2]):.0f}"
        f" ms, max {max(cold[::2]):.0f} ms"
    )
    print(f"answers graded: {len(timings)} ({len(pairs)} distinct x {args.repeat})")
    print(
        f"per answer: median {statistics.median(timings):.2f} ms  "
        f"p90 {percentile(timings, 0.90):.2f} ms  p99 {percentile(timings, 0.99):.2f} ms  "
        f"max {max(timings):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
