"""An experiment: a learned calibration over the rule grader, trained on labelled answers.

    python scripts/experiments/train_calibration.py          # fit on tune, report on dev
    python scripts/experiments/train_calibration.py --final --write   # tune + dev, write JSON

Not shipped: measured on the corpus dev writers it lifts single-answer agreement (exact
0.55 -> 0.65, qwk 0.72 -> 0.80), but applied to whole conversations (longer than any answer it
learned from) it over-credits, and three canned dialogues caught that. See evals/corpus/README.md.

Features come from the rule grader alone (``OfflineGrader(calibrated=False).examine``); the
labels are both raw labels of each answer (pooled), from evals/corpus. The test writers are
never read here. Needs the ``train`` extra (numpy, scikit-learn); the grader itself does not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import numpy as np  # noqa: E402
from calibration import MODEL_FILE, CalibrationModel  # noqa: E402
from grader_features import features  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from agent.bank import DIMENSIONS, load_bank  # noqa: E402
from agent.evals.metrics import agreement  # noqa: E402
from agent.grading.offline import OfflineGrader  # noqa: E402

C = 0.3  # chosen on dev (0.1, 0.3 and 1.0 tried; 0.3 best on exact, all equal on qwk)


def rows(writers: list[str]) -> list[tuple[dict, tuple, tuple]]:
    """Per answer: its features per dimension and its two raw labels."""
    bank = load_bank()
    grader = OfflineGrader()
    pairs = corpus.label_pairs(writers)
    answers = {
        a.id: a for w in writers for a in corpus.parse_answers(corpus.CORPUS / "raw" / f"{w}.txt")
    }
    out = []
    for aid, (a, b) in pairs.items():
        rubric = bank.get(answers[aid].question)
        reading, rules = grader.examine(rubric, answers[aid].text)
        if not reading.sentences:
            continue
        text = " ".join(s.text for s in reading.sentences)
        out.append((features(rubric, reading, text, rules), a, b))
    return out


def matrix(data: list, j: int, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    d = DIMENSIONS[j]
    x = [[f[d][n] for n in names] for f, _, _ in data for _ in (0, 1)]
    y = [lab[j] for _, a, b in data for lab in (a, b)]
    return np.array(x, float), np.array(y)


def fit(data: list, names: list[str]) -> dict:
    model: dict = {"features": names, "dimensions": {}}
    for j, d in enumerate(DIMENSIONS):
        x, y = matrix(data, j, names)
        scaler = StandardScaler().fit(x)
        lr = LogisticRegression(max_iter=5000, C=C).fit(scaler.transform(x), y)
        model["dimensions"][d.value] = {
            "mean": [round(v, 6) for v in scaler.mean_],
            "scale": [round(v, 6) for v in scaler.scale_],
            "classes": [int(c) for c in lr.classes_],
            "coef": [[round(v, 6) for v in row] for row in lr.coef_],
            "intercept": [round(v, 6) for v in lr.intercept_],
        }
    return model


def report(model: dict, data: list, label: str) -> None:
    m = CalibrationModel.model_validate(model)
    xs, ys = [], []
    for j, d in enumerate(DIMENSIONS):
        lab = [lab[j] for _, a, b in data for lab in (a, b)]
        pred = [m.score(d, f[d]) for f, _, _ in data for _ in (0, 1)]
        g = agreement(lab, pred)
        print(
            f"  {label} {d.value:<12} exact {g.exact:.2f} "
            f"within1 {g.within_one:.2f} qwk {g.qwk:.2f}"
        )
        xs += lab
        ys += pred
    g = agreement(xs, ys)
    print(f"  {label} {'all':<12} exact {g.exact:.2f} within1 {g.within_one:.2f} qwk {g.qwk:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--final", action="store_true", help="fit on tune + dev")
    ap.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    args = ap.parse_args()
    tune = list(corpus.SPLITS["tune"])
    dev = list(corpus.SPLITS["dev"])
    writers = tune + dev if args.final else tune
    train = rows(writers)
    names = sorted(train[0][0][DIMENSIONS[0]])
    model = fit(train, names)
    model["trained_on"] = writers
    model["note"] = (
        f"multinomial logistic regression per dimension, C={C}, on {len(train)} answers x 2 raw "
        "labels (scripts/experiments/train_calibration.py)"
    )
    report(model, train, "train")
    if not args.final:
        report(model, rows(dev), "dev  ")
    if args.write:
        MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
