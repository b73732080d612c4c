"""Agreement between a grader and human labels: exact, within-one, quadratic kappa, bias."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

CATEGORIES = 4  # scores 0..3


class Agreement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int
    exact: float
    within_one: float
    qwk: float
    bias: float


def quadratic_weighted_kappa(
    labels: Sequence[int], predictions: Sequence[int], categories: int = CATEGORIES
) -> float:
    """Cohen's kappa with quadratic weights over scores ``0..categories-1``.

    Returns 1.0 when both raters agree perfectly on a single category (no disagreement is
    possible to measure, and none occurred), and 0.0 for empty input.
    """
    if len(labels) != len(predictions):
        raise ValueError("labels and predictions differ in length")
    n = len(labels)
    if n == 0:
        return 0.0
    observed = [[0.0] * categories for _ in range(categories)]
    for a, b in zip(labels, predictions, strict=True):
        observed[a][b] += 1
    hist_a = [sum(row) for row in observed]
    hist_b = [sum(observed[i][j] for i in range(categories)) for j in range(categories)]
    denom_w = (categories - 1) ** 2
    num = 0.0
    den = 0.0
    for i in range(categories):
        for j in range(categories):
            w = (i - j) ** 2 / denom_w
            num += w * observed[i][j]
            den += w * hist_a[i] * hist_b[j] / n
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return 1.0 - num / den


def agreement(labels: Sequence[int], predictions: Sequence[int]) -> Agreement:
    """All agreement figures for paired labels and predictions."""
    n = len(labels)
    if n == 0:
        return Agreement(n=0, exact=0.0, within_one=0.0, qwk=0.0, bias=0.0)
    pairs = list(zip(labels, predictions, strict=True))
    return Agreement(
        n=n,
        exact=sum(a == b for a, b in pairs) / n,
        within_one=sum(abs(a - b) <= 1 for a, b in pairs) / n,
        qwk=quadratic_weighted_kappa(labels, predictions),
        bias=sum(b - a for a, b in pairs) / n,
    )
