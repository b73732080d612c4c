"""Validate rubric files and, optionally, show which points an answer makes.

Usage:
    python scripts/check_rubric.py rubrics/random-forest.yaml [more.yaml ...]
    python scripts/check_rubric.py rubrics/random-forest.yaml --try "A random forest is ..."
    python scripts/check_rubric.py rubrics/random-forest.yaml --try-file answer.txt

It checks the reference answer against the rubric too: a strong reference answer should make
level-2 and level-3 points on every dimension, a weak one should make few.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.bank.rubric import DIMENSIONS, Rubric, RubricError, load_rubric  # noqa: E402
from agent.grading.offline.evidence import index_text  # noqa: E402


def show(rubric: Rubric, label: str, answer: str) -> None:
    index = index_text(answer)
    print(f"  [{label}]")
    for dim in DIMENSIONS:
        hits = []
        for point in rubric.dimension(dim).points:
            hit = index.find(point.compiled)
            if hit:
                hits.append(f"{point.id}(L{point.level})")
        print(f"    {dim.value:12s} {', '.join(hits) or '-'}")
    wrong = [m.id for m in rubric.misconceptions if index.find(m.compiled)]
    if wrong:
        print(f"    MISCONCEPTIONS: {', '.join(wrong)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--try", dest="answer", help="an answer to match against the points")
    parser.add_argument("--try-file", type=Path, help="read the answer from a file")
    args = parser.parse_args()
    status = 0
    for path in args.files:
        try:
            rubric = load_rubric(path)
        except RubricError as exc:
            print(f"error: {exc}")
            status = 2
            continue
        print(f"ok: {path}")
        show(rubric, "reference_answer", rubric.reference_answer)
        show(rubric, "weak_answer", rubric.weak_answer)
        if args.answer:
            show(rubric, "--try", args.answer)
        if args.try_file:
            show(rubric, "--try-file", args.try_file.read_text(encoding="utf-8"))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
