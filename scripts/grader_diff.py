"""Developer aid: grade the tuning suites' answers and show where the grader and the labels differ.

Never point this at evals/holdout: the holdout is only ever run whole, through `followup eval`.

Usage: python scripts/grader_diff.py [--question ID] [--dim DIM] [--show-agree]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from agent.bank.rubric import DIMENSIONS, load_bank  # noqa: E402
from agent.grading.offline.grader import OfflineGrader  # noqa: E402

TUNING = ["evals/answers-core.yaml", "evals/answers-applied.yaml"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--question")
    parser.add_argument("--dim")
    parser.add_argument("--show-agree", action="store_true")
    args = parser.parse_args()
    bank = load_bank()
    grader = OfflineGrader()
    total = exact = within = 0
    for f in TUNING:
        for case in yaml.safe_load(Path(f).read_text())["cases"]:
            if "answer" not in case or case["question"] not in bank.rubrics:
                continue
            if args.question and case["question"] != args.question:
                continue
            grade = grader.grade(bank.get(case["question"]), case["answer"])
            want = case["expect"]["scores"]
            diffs = []
            for d in DIMENSIONS:
                if args.dim and d.value != args.dim:
                    continue
                got = grade.get(d).score
                total += 1
                exact += got == want[d.value]
                within += abs(got - want[d.value]) <= 1
                if got != want[d.value] or args.show_agree:
                    why = grade.get(d).reason[:110]
                    diffs.append(f"  {d.value}: label {want[d.value]} got {got} :: {why}")
            if diffs:
                print(f"== {case['id']} ({case['question']})\n{case['answer'].strip()[:600]}")
                print("\n".join(diffs))
    if total:
        print(f"\npairs {total}  exact {exact / total:.2f}  within1 {within / total:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
