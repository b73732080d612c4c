"""Tools for the labelled corpus in evals/corpus (writers' target sheets, labelling files,
agreement between labellers, the adjudication list, and the suites built from it).

The corpus is made by independent writers and labellers (see evals/corpus/README.md); this
script only shuffles, strips, parses and counts. It never writes or changes a label.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "evals" / "corpus"
DIMS = ("definition", "implication", "example", "tradeoff")
SHORT = {"d": "definition", "i": "implication", "e": "example", "t": "tradeoff"}


def question_ids() -> list[str]:
    text = (CORPUS / "briefs" / "QUESTIONS.md").read_text()
    return re.findall(r"^- `([a-z0-9-]+)`", text, flags=re.M)


def cmd_targets(args: argparse.Namespace) -> None:
    """One target sheet per writer: for each question, per-answer intended levels."""
    for writer in args.writers:
        n = args.per_question
        rng = random.Random(f"targets-{writer}")
        lines = [
            f"# Target sheet for writer {writer}",
            "",
            "For each question write the answers listed, in your style. The levels (0-3 per",
            "dimension: d=definition, i=implication, e=example, t=tradeoff) are what the answer",
            "should roughly deserve; your style comes first, and where they clash, the style wins.",
            "",
        ]
        for q in question_ids():
            lines.append(f"## {q}")
            cols = []
            for _ in DIMS:
                levels = [0, 1, 2, 3] * ((n + 3) // 4)
                levels = levels[:n]
                rng.shuffle(levels)
                cols.append(levels)
            for k in range(n):
                lvl = " ".join(f"{d[0]}{cols[j][k]}" for j, d in enumerate(DIMS))
                lines.append(f"- {writer}-{q}-{k + 1}: {lvl}")
            lines.append("")
        (CORPUS / "briefs" / f"targets-{writer}.md").write_text("\n".join(lines))
        print(f"wrote targets-{writer}.md")


ENTRY = re.compile(r"^### (\S+)\s*$", re.M)


@dataclass
class Answer:
    id: str
    question: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)


def parse_answers(path: Path) -> list[Answer]:
    """``### id`` then ``key: value`` lines, a ``---`` line, then the answer to the next ``###``."""
    text = path.read_text(encoding="utf-8")
    parts = ENTRY.split(text)
    out: list[Answer] = []
    for i in range(1, len(parts), 2):
        aid, body = parts[i], parts[i + 1]
        if "\n---\n" not in body + "\n":
            raise SystemExit(f"{path}: {aid}: no '---' line before the answer")
        head, _, ans = (body.strip("\n") + "\n").partition("\n---\n")
        meta = {}
        for line in head.splitlines():
            if line.strip():
                k, _, v = line.partition(":")
                meta[k.strip()] = v.strip()
        if "question" not in meta:
            raise SystemExit(f"{path}: {aid}: no 'question:' line")
        if not ans.strip():
            raise SystemExit(f"{path}: {aid}: empty answer")
        out.append(Answer(aid, meta.pop("question"), ans.strip(), meta))
    return out


def cmd_check(args: argparse.Namespace) -> None:
    qs = set(question_ids())
    for p in args.files:
        answers = parse_answers(Path(p))
        bad = [a.id for a in answers if a.question not in qs]
        ids = [a.id for a in answers]
        dup = {i for i in ids if ids.count(i) > 1}
        words = [len(a.text.split()) for a in answers]
        print(
            f"{p}: {len(answers)} answers, {len(set(a.question for a in answers))} questions, "
            f"words median {sorted(words)[len(words) // 2]} min {min(words)} max {max(words)}"
            + (f", UNKNOWN questions {bad}" if bad else "")
            + (f", DUPLICATE ids {sorted(dup)}" if dup else "")
        )


def cmd_tolabel(args: argparse.Namespace) -> None:
    """A labeller's file: the answers of one writer, shuffled, with only id, question, text."""
    src = Path(args.raw)
    answers = parse_answers(src)
    questions = dict(
        re.findall(
            r"^- `([a-z0-9-]+)` \([a-z]+\): (.+)$",
            (CORPUS / "briefs" / "QUESTIONS.md").read_text(),
            flags=re.M,
        )
    )
    rng = random.Random(f"tolabel-{src.stem}")
    rng.shuffle(answers)
    out = [f"# Answers to label ({len(answers)})", ""]
    for a in answers:
        out += [
            f"### {a.id}",
            f"question: {a.question}",
            f"asked: {questions[a.question]}",
            "---",
            a.text,
            "",
        ]
    dest = CORPUS / "tolabel" / f"{src.stem}.txt"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {dest.relative_to(ROOT)} ({len(answers)} answers)")


LABEL = re.compile(r"^(\S+)\s+d=([0-3])\s+i=([0-3])\s+e=([0-3])\s+t=([0-3])\s*(?:#\s*(.*))?$")


def parse_labels(path: Path) -> dict[str, tuple[tuple[int, int, int, int], str]]:
    out: dict[str, tuple[tuple[int, int, int, int], str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        m = LABEL.match(line.strip())
        if not m:
            raise SystemExit(f"{path}:{n}: not a label line: {line[:80]!r}")
        if m.group(1) in out:
            raise SystemExit(f"{path}:{n}: {m.group(1)} labelled twice")
        scores = (int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)))
        out[m.group(1)] = (scores, (m.group(6) or "").strip())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(required=True)
    p = sub.add_parser("targets", help="write writers' target sheets")
    p.add_argument("writers", nargs="+")
    p.add_argument("--per-question", type=int, default=5)
    p.set_defaults(func=cmd_targets)
    p = sub.add_parser("check", help="parse writer files and summarise them")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("tolabel", help="a shuffled, stripped file for labellers")
    p.add_argument("raw")
    p.set_defaults(func=cmd_tolabel)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
