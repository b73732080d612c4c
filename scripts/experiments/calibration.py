"""A small learned layer over the rule grader: scores read the way interviewers read them.

The rule grader finds the rubric's points and general signals; on answers written by people
outside the team it under-credits plain or unusual phrasing and over-credits some lists. A
multinomial logistic model per dimension, trained on human-labelled answers split by writer
(``scripts/train_grader.py``; the writers it learned from are named in the model file), maps
the rule grader's own reading (``features``) to a score: the expected score under the model,
rounded. It is deterministic, pure Python (the weights ship as JSON), and never invents
evidence: a score above 0 must still rest on sentences of the answer, so where the rules found
none the calibrated score is kept only if a sentence carrying that dimension's signals exists.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from pydantic import Field

from agent.bank.rubric import Dimension
from agent.models import Frozen

MODEL_FILE = Path(__file__).resolve().parent / "calibration.json"  # not shipped


class DimensionModel(Frozen):
    """Standardise, then a linear score per class; classes are the scores 0-3."""

    mean: list[float]
    scale: list[float]
    classes: list[int]
    coef: list[list[float]]
    intercept: list[float]


class CalibrationModel(Frozen):
    features: list[str]
    dimensions: dict[Dimension, DimensionModel]
    trained_on: list[str] = Field(default_factory=list)
    """The writers whose labelled answers the model learned from (never the test writers)."""
    note: str = ""

    def expected_score(self, dim: Dimension, values: dict[str, float]) -> float:
        """The score's expectation under the model (0.0 to 3.0)."""
        m = self.dimensions[dim]
        z = [
            (values[name] - mu) / (sd or 1.0)
            for name, mu, sd in zip(self.features, m.mean, m.scale, strict=True)
        ]
        logits = [
            sum(w * x for w, x in zip(row, z, strict=True)) + b
            for row, b in zip(m.coef, m.intercept, strict=True)
        ]
        top = max(logits)
        weights = [math.exp(v - top) for v in logits]
        total = sum(weights)
        return sum(c * w for c, w in zip(m.classes, weights, strict=True)) / total

    def score(self, dim: Dimension, values: dict[str, float]) -> int:
        """The calibrated score: the expected score rounded half up."""
        return min(3, max(0, math.floor(self.expected_score(dim, values) + 0.5)))


@cache
def load_model(path: Path = MODEL_FILE) -> CalibrationModel | None:
    """The shipped model, or None when there is none (the rules then grade alone)."""
    if not path.exists():
        return None
    return CalibrationModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
