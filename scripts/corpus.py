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


def labelling_text(answers: list[Answer]) -> list[str]:
    """The lines of a labeller's file: per answer its id, question id and wording, the answer."""
    questions = dict(
        re.findall(
            r"^- `([a-z0-9-]+)` \([a-z]+\): (.+)$",
            (CORPUS / "briefs" / "QUESTIONS.md").read_text(),
            flags=re.M,
        )
    )
    out = [f"# Answers to label ({len(answers)})", ""]
    for a in answers:
        out += [f"### {a.id}", f"question: {a.question}", f"asked: {questions[a.question]}"]
        out += ["---", a.text, ""]
    return out


def cmd_tolabel(args: argparse.Namespace) -> None:
    """A labeller's file: the answers of one writer, shuffled, with only id, question, text."""
    src = Path(args.raw)
    answers = parse_answers(src)
    rng = random.Random(f"tolabel-{src.stem}")
    rng.shuffle(answers)
    dest = CORPUS / "tolabel" / f"{src.stem}.txt"
    out = labelling_text(answers)
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


SPLITS = {
    "tune": ("w01", "w02", "w05", "w07", "w11", "w12"),
    "dev": ("w03", "w08"),
    "test": ("w04", "w06", "w09"),
    "other-language": ("w10",),
}
"""Split by writer, drawn at random (seed ``followup-corpus-split-2026-12-04``) before any label
was read: rules are tuned on ``tune``, checked on ``dev``; nobody reads ``test`` case by case."""


def split_of(writer: str) -> str:
    return next(name for name, writers in SPLITS.items() if writer in writers)


Scores = tuple[int, int, int, int]


def label_pairs(writers: list[str]) -> dict[str, tuple[Scores, Scores]]:
    """Both raw labels of every answer of these writers that has two."""
    out: dict[str, tuple[Scores, Scores]] = {}
    for w in writers:
        a_path, b_path = CORPUS / "labels" / f"{w}.A.txt", CORPUS / "labels" / f"{w}.B.txt"
        if not (a_path.exists() and b_path.exists()):
            continue
        a, b = parse_labels(a_path), parse_labels(b_path)
        answers = {x.id for x in parse_answers(CORPUS / "raw" / f"{w}.txt")}
        if set(a) != answers or set(b) != answers:
            print(f"{w}: labels incomplete ({len(a)} and {len(b)} of {len(answers)}); left out")
            continue
        out.update({k: (a[k][0], b[k][0]) for k in sorted(answers)})
    return out


def _agreement_rows(pairs: list[tuple[Scores, Scores]]) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from agent.evals.metrics import agreement

    rows = [f"  {'dimension':<12} {'n':>5} {'exact':>6} {'within1':>8} {'qwk':>6}"]
    for j, dim in enumerate([*DIMS, "all"]):
        if dim == "all":
            xs = [a[k] for a, _ in pairs for k in range(4)]
            ys = [b[k] for _, b in pairs for k in range(4)]
        else:
            xs, ys = [a[j] for a, _ in pairs], [b[j] for _, b in pairs]
        g = agreement(xs, ys)
        rows.append(f"  {dim:<12} {g.n:>5} {g.exact:>6.2f} {g.within_one:>8.2f} {g.qwk:>6.2f}")
    return rows


def cmd_agree(args: argparse.Namespace) -> None:
    """Labeller A against labeller B, per split and dimension; answers that differ by 2+."""
    writers = sorted({w for ws in SPLITS.values() for w in ws})
    pairs = label_pairs(writers)
    for split, members in SPLITS.items():
        chosen = [v for k, v in pairs.items() if k.split("-")[0] in members]
        if chosen:
            print(f"{split} ({', '.join(members)}): {len(chosen)} answers")
            print("\n".join(_agreement_rows(chosen)))
    every = list(pairs.values())
    print(f"all: {len(every)} answers")
    print("\n".join(_agreement_rows(every)))
    wide = [
        k for k, (a, b) in pairs.items() if any(abs(x - y) >= 2 for x, y in zip(a, b, strict=True))
    ]
    print(f"answers with a disagreement of 2 or more: {len(wide)}")
    if args.list:
        (CORPUS / "adjudicate.txt").write_text("\n".join(wide) + "\n", encoding="utf-8")
        print(f"listed in {(CORPUS / 'adjudicate.txt').relative_to(ROOT)}")


def _probe(scores: Scores) -> str:
    """The dimension the policy probes after one answer with these scores."""
    open_dims = [(s, i) for i, s in enumerate(scores) if s < 3]
    return DIMS[min(open_dims)[1]] if open_dims else "none"


def cmd_score(args: argparse.Namespace) -> None:
    """The offline grader against each labeller (pooled), beside labeller against labeller."""
    sys.path.insert(0, str(ROOT))
    from agent.bank import Dimension, load_bank
    from agent.evals.metrics import agreement
    from agent.grading import TurnRequest
    from agent.grading.offline import OfflineBackend

    bank = load_bank()
    backend = OfflineBackend()
    splits = args.split or [s for s in SPLITS if s != "test"]
    for split in splits:
        members = list(SPLITS[split])
        pairs = label_pairs(members)
        answers = {a.id: a for w in members for a in parse_answers(CORPUS / "raw" / f"{w}.txt")}
        graded: dict[str, Scores] = {}
        for aid in pairs:
            a = answers[aid]
            rubric = bank.get(a.question)
            g = backend.assess(rubric, TurnRequest(answer=a.text, asked=rubric.question)).grade
            graded[aid] = tuple(g.get(Dimension(d)).score for d in DIMS)  # type: ignore[assignment]
        print(f"{split}: {len(pairs)} answers (grader vs each labeller, pooled | A vs B)")
        head = f"{'exact':>6} {'within1':>8} {'qwk':>6} {'bias':>6} | {'exact':>6} {'qwk':>6}"
        print(f"  {'dimension':<12} {head}")
        for j, dim in enumerate([*DIMS, "all"]):
            idx = range(4) if dim == "all" else [j]
            gx, lx, ax, bx = [], [], [], []
            for aid, (a, b) in pairs.items():
                for k in idx:
                    gx += [graded[aid][k], graded[aid][k]]
                    lx += [a[k], b[k]]
                    ax.append(a[k])
                    bx.append(b[k])
            g, h = agreement(lx, gx), agreement(ax, bx)
            ours = f"{g.exact:>6.2f} {g.within_one:>8.2f} {g.qwk:>6.2f} {g.bias:>+6.2f}"
            print(f"  {dim:<12} {ours} | {h.exact:>6.2f} {h.qwk:>6.2f}")
        hits = sum(
            (_probe(graded[k]) == _probe(a)) + (_probe(graded[k]) == _probe(b))
            for k, (a, b) in pairs.items()
        )
        human = sum(_probe(a) == _probe(b) for a, b in pairs.values())
        n = max(len(pairs), 1)
        print(f"  probe target: grader {hits / (2 * n):.2f} | A vs B {human / n:.2f}")
        if args.dump:
            out = CORPUS / f"diff-{split}.txt"
            rows = [f"{k} grader={graded[k]} A={a} B={b}" for k, (a, b) in pairs.items()]
            out.write_text("\n".join(rows) + "\n", encoding="utf-8")


THIRD_GROUPS = {
    "third-1": ("w01", "w02", "w05"),
    "third-2": ("w07", "w11", "w12"),
    "third-3": ("w03", "w08", "w10"),
    "third-4": ("w04", "w06", "w09"),
}
"""Every answer whose two labels differ anywhere goes to a third labeller, blind to both."""


def cmd_third(args: argparse.Namespace) -> None:
    """Files for the third labellers: the answers on which A and B disagree at all."""
    for name, writers in THIRD_GROUPS.items():
        pairs = label_pairs(list(writers))
        answers = {a.id: a for w in writers for a in parse_answers(CORPUS / "raw" / f"{w}.txt")}
        chosen = [answers[k] for k, (a, b) in pairs.items() if a != b]
        random.Random(name).shuffle(chosen)
        text = "\n".join(labelling_text(chosen))
        (CORPUS / "tolabel" / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"{name}: {len(chosen)} answers")


def third_labels() -> dict[str, tuple[Scores, str]]:
    """The third labeller's scores (and labeller id) for every answer A and B disagree on."""
    out: dict[str, tuple[Scores, str]] = {}
    for name in THIRD_GROUPS:
        path = CORPUS / "labels" / f"{name}.C.txt"
        if path.exists():
            who = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# labeller ")
            out.update({k: (v[0], who) for k, v in parse_labels(path).items()})
    return out


def gold(labels: list[Scores]) -> Scores:
    """Per dimension: the two labels when they agree, else the median of all three."""
    return tuple(sorted(x[j] for x in labels)[len(labels) // 2] for j in range(4))  # type: ignore[return-value]


def _labeller(writer: str, side: str) -> str:
    first = (CORPUS / "labels" / f"{writer}.{side}.txt").read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("# labeller ").strip()


def cmd_build(args: argparse.Namespace) -> None:
    """One eval suite per split: gold scores, with every raw label kept beside them."""
    import yaml

    third = third_labels()
    suites = CORPUS / "suites"
    suites.mkdir(exist_ok=True)
    for split, members in SPLITS.items():
        cases = []
        for w in members:
            pairs = label_pairs([w])
            who = {"A": _labeller(w, "A"), "B": _labeller(w, "B")}
            for a in parse_answers(CORPUS / "raw" / f"{w}.txt"):
                la, lb = pairs[a.id]
                raw = {who["A"]: la, who["B"]: lb}
                if la != lb:
                    if a.id not in third:
                        raise SystemExit(f"{a.id}: A and B disagree and there is no third label")
                    raw[third[a.id][1]] = third[a.id][0]
                as_dict = {k: dict(zip(DIMS, v, strict=True)) for k, v in raw.items()}
                cases.append(
                    {
                        "id": f"corpus-{a.id}",
                        "question": a.question,
                        "answer": a.text + "\n",
                        "expect": {
                            "scores": dict(zip(DIMS, gold(list(raw.values())), strict=True)),
                            "labels": as_dict,
                        },
                    }
                )
        doc = {"suite": f"corpus-{split}", "cases": cases}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        header = (
            f"# Generated by scripts/corpus.py build (writers {', '.join(members)}).\n"
            "# Gold per dimension: the two labels when they agree, else the median with a third,\n"
            "# blind label. Every raw label is kept under expect.labels. Do not edit by hand.\n"
        )
        (suites / f"{split}.yaml").write_text(header + text, encoding="utf-8")
        print(f"{split}: {len(cases)} cases")


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
    p = sub.add_parser("agree", help="agreement between the two labellers")
    p.add_argument("--list", action="store_true", help="write adjudicate.txt")
    p.set_defaults(func=cmd_agree)
    p = sub.add_parser("score", help="the offline grader against the labels")
    p.add_argument("--split", action="append", choices=list(SPLITS))
    p.add_argument("--dump", action="store_true", help="write diff-<split>.txt (not for test)")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("third", help="files for the third labellers")
    p.set_defaults(func=cmd_third)
    p = sub.add_parser("build", help="write the eval suites (evals/corpus/suites)")
    p.set_defaults(func=cmd_build)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
