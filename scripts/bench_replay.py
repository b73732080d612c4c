"""Benchmark replay at scale: generated plain-text transcripts of many turns, timed per phase.

Usage: python scripts/bench_replay.py [--turns 2000 4000 8000] [--big-mb 20] [--skip-limit]

Writes mock interviews of N turns (every answer different: one or two sentences drawn from a
pool of plausible random-forest answers plus the turn number, about 140 bytes a turn, the shape
of the 20 MB / 120,000-turn transcript in issue 11), then times reading, re-grading one answer
at a time, re-grading with the answers graded in parallel first (what replay does with the
offline grader past 400 answers), rendering each format, and ``followup replay FILE -o
FILE.html`` end to end as a user runs it. Linear work shows as a flat us/turn column as N
doubles. Then it runs replay on a transcript just under the size limit, and on a ~20 MB one,
which is refused before it is read.

A benchmark, not a timed test: the figures go in closing notes, nothing asserts on them.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.bank.rubric import load_bank  # noqa: E402
from agent.grading.offline import OfflineBackend  # noqa: E402
from agent.replay.inputs import MAX_TRANSCRIPT_MB, read_conversation  # noqa: E402
from agent.replay.model import ReplayReport  # noqa: E402
from agent.replay.parallel import pregrade  # noqa: E402
from agent.replay.regrade import regrade, resolve_rubric  # noqa: E402
from agent.replay.render import render  # noqa: E402
from agent.version import __version__  # noqa: E402

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent

QUESTION = "How does a random forest work, and when would you not use it?"
PROBES = [
    "Why does that help?",
    "Can you give me a concrete example?",
    "What would make you not use it?",
    "What does that change in practice?",
    "How would you check that?",
    "What did you decide from it?",
]
SENTENCES = [
    "It trains many decision trees on bootstrap samples of the rows.",
    "At each split only a random subset of the features is considered.",
    "The trees vote for classification and are averaged for regression.",
    "Decorrelated trees make the average cut variance.",
    "It is a strong baseline that needs little tuning.",
    "Out-of-bag error gives a free estimate of generalisation.",
    "On a churn dataset of {n}k customers it reached 0.{auc} AUC.",
    "We kept the forest and shipped it after a {n}-day shadow run.",
    "Latency matters: {n} deep trees are slow to serve.",
    "It is hard to explain a single decision to a regulator.",
    "On sparse text features a linear model usually wins.",
    "I would trim it to {n} trees and check the AUC drop on the holdout.",
    "I am not sure, maybe it depends.",
    "Feature importances helped us find a leaky column.",
]


def transcript(turns: int, seed: int = 11) -> str:
    """A plain-text mock interview of ``turns`` answers; no two answers alike."""
    rnd = random.Random(seed)
    out = ["Date: 2026-11-20", f"Interviewer: {QUESTION}"]
    for turn in range(1, turns + 1):
        if turn > 1:
            out.append(f"Interviewer: {rnd.choice(PROBES)}")
        picked = rnd.sample(SENTENCES, rnd.choice((1, 1, 2)))
        answer = " ".join(s.format(n=rnd.randint(2, 900), auc=rnd.randint(70, 95)) for s in picked)
        out.append(f"Candidate: {answer} (take {turn})")
    return "\n".join(out) + "\n"


def timed(label: str, turns: int, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<22} {seconds:7.2f} s  {seconds / turns * 1e6:8.0f} us/turn")
    return result


def cli(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """``followup replay ARGS`` in a fresh process, as a user runs it; (seconds, result)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "agent", "replay", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return time.perf_counter() - start, done


def bench(turns: int, folder: Path) -> None:
    path = folder / f"mock-{turns}.txt"
    path.write_text(transcript(turns), encoding="utf-8")
    size = path.stat().st_size
    print(f"{turns} turns, {size / 1e6:.2f} MB ({size / turns:.0f} bytes/turn)")
    bank = load_bank()
    convo = timed("read", turns, lambda: read_conversation(str(path)))
    rubric = resolve_rubric(convo, bank, None)
    offline = OfflineBackend()
    timed("regrade, one at a time", turns, lambda: regrade(convo, rubric, offline, "s1"))
    work = [(rubric, [t.answer for t in convo.turns])]
    graded = timed("  grade in parallel", turns, lambda: pregrade(offline, work))
    session = timed("  then the policy", turns, lambda: regrade(convo, rubric, graded, "s1"))
    report = ReplayReport(
        followup_version=__version__,
        grader="offline",
        model=None,
        sessions=[session],
        cohort=None,
        errors=[],
    )
    sizes = {}
    for fmt in ("html", "md", "text", "json"):
        text = timed(f"render {fmt}", turns, lambda fmt=fmt: render(report, fmt))
        sizes[fmt] = len(text.encode())
    print(
        f"  sizes: HTML {sizes['html'] / 1e6:.1f} MB, Markdown {sizes['md'] / 1e6:.1f} MB, "
        f"text {sizes['text'] / 1e6:.1f} MB, JSON {sizes['json'] / 1e6:.1f} MB"
    )
    seconds, done = cli(str(path), "-o", str(folder / f"mock-{turns}.html"))
    print(f"  followup replay -o .html: {seconds:.2f} s end to end (exit {done.returncode})")


def at_limit(folder: Path) -> None:
    turns = int(MAX_TRANSCRIPT_MB * 1e6 * 0.98 / 140)
    path = folder / "at-limit.txt"
    path.write_text(transcript(turns), encoding="utf-8")
    print(f"\n{path.stat().st_size / 1e6:.2f} MB ({turns} turns), under the limit:")
    seconds, done = cli(str(path), "-o", str(folder / "at-limit.html"))
    html = folder / "at-limit.html"
    made = f"{html.stat().st_size / 1e6:.0f} MB of HTML" if html.exists() else "no report"
    print(f"  followup replay -o .html: {seconds:.2f} s, exit {done.returncode}, {made}")


def big(mb: float, folder: Path) -> None:
    turns = int(mb * 1e6 / 140)
    path = folder / "big.txt"
    path.write_text(transcript(turns), encoding="utf-8")
    print(f"\n{path.stat().st_size / 1e6:.1f} MB ({turns} turns), over the limit:")
    seconds, done = cli(str(path), "-o", str(folder / "big.html"))
    print(f"  exit {done.returncode} after {seconds:.2f} s: {done.stderr.strip()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, nargs="+", default=[2000, 4000, 8000])
    parser.add_argument("--big-mb", type=float, default=20.0, help="0 skips it")
    parser.add_argument("--skip-limit", action="store_true", help="skip the run at the limit")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; size limit {MAX_TRANSCRIPT_MB} MB\n")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for turns in args.turns:
            bench(turns, folder)
        if not args.skip_limit:
            at_limit(folder)
        if args.big_mb:
            big(args.big_mb, folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
