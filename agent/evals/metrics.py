"""Agreement between a grader and human labels (exact, within-one, quadratic kappa, bias), and
the metrics of an eval run built from it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agent.bank.rubric import DIMENSIONS
from agent.evals.results import (
    AnswerExpected,
    AnswerVerdict,
    CaseResult,
    DimensionMetrics,
    Metrics,
)
from agent.grading.backend import Usage
from agent.models import Strict

CATEGORIES = 4  # scores 0..3


class Agreement(Strict):
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


def _dimension_metrics(labels: Sequence[int], predictions: Sequence[int]) -> DimensionMetrics:
    a = agreement(labels, predictions)
    return DimensionMetrics(exact=a.exact, within_one=a.within_one, qwk=a.qwk, bias=a.bias)


def _per_labeller(
    verdicts: list[tuple[AnswerExpected, AnswerVerdict]],
) -> dict[str, DimensionMetrics]:
    """The grader against every raw label of the cases that carry them, pooled."""
    out: dict[str, DimensionMetrics] = {}
    labelled = [(e, g) for e, g in verdicts if e.labels]
    if not labelled:
        return out
    for d in [*DIMENSIONS, None]:
        dims = DIMENSIONS if d is None else (d,)
        xs = [raw[k] for e, _ in labelled for raw in e.labels for k in dims]
        ys = [g.scores[k] for e, g in labelled for _ in e.labels for k in dims]
        out["all" if d is None else d.value] = _dimension_metrics(xs, ys)
    return out


def _human(verdicts: list[tuple[AnswerExpected, AnswerVerdict]]) -> dict[str, DimensionMetrics]:
    """The first labeller against the second, on the cases labelled twice or more."""
    out: dict[str, DimensionMetrics] = {}
    twice = [e.labels for e, _ in verdicts if len(e.labels) >= 2]
    if not twice:
        return out
    for d in [*DIMENSIONS, None]:
        dims = DIMENSIONS if d is None else (d,)
        xs = [raw[0][k] for raw in twice for k in dims]
        ys = [raw[1][k] for raw in twice for k in dims]
        out["all" if d is None else d.value] = _dimension_metrics(xs, ys)
    return out


def compute_metrics(results: list[CaseResult]) -> Metrics:
    """Aggregate metrics over case results (unscored answers are left out of agreement)."""
    answers = [r for r in results if r.kind == "answer"]
    scored = [r for r in answers if not r.unscored]
    per_dim: dict[str, DimensionMetrics] = {}
    all_labels: list[int] = []
    all_preds: list[int] = []
    pairs = [(r.expected, r.got) for r in scored]
    verdicts = [
        (e, g) for e, g in pairs if isinstance(e, AnswerExpected) and isinstance(g, AnswerVerdict)
    ]
    for d in DIMENSIONS:
        labels = [e.scores[d] for e, _ in verdicts]
        preds = [g.scores[d] for _, g in verdicts]
        all_labels += labels
        all_preds += preds
        a = agreement(labels, preds)
        per_dim[d.value] = DimensionMetrics(
            exact=a.exact, within_one=a.within_one, qwk=a.qwk, bias=a.bias
        )
    overall: Agreement = agreement(all_labels, all_preds)
    probe_hits = sum(1 for e, g in verdicts if g.probe == e.probe)
    dialogues = [r for r in results if r.kind == "dialogue"]
    return Metrics(
        answers=len(answers),
        exact=overall.exact,
        within_one=overall.within_one,
        qwk=overall.qwk,
        probe_accuracy=probe_hits / len(scored) if scored else 0.0,
        unscored=sum(1 for r in results if r.unscored and not r.ungraded),
        ungraded=sum(1 for r in results if r.ungraded),
        unscored_answers=len(answers) - len(scored),
        per_dimension=per_dim,
        per_labeller=_per_labeller(verdicts),
        human=_human(verdicts),
        dialogues=len(dialogues),
        dialogues_passed=sum(1 for r in dialogues if r.passed),
        dialogues_known_failures=sum(
            1 for r in dialogues if r.known_failure and not r.passed and not r.unscored
        ),
        dialogues_unexpectedly_passed=sum(1 for r in dialogues if r.known_failure and r.passed),
        usage=total_usage(r.usage for r in results),
    )


def total_usage(usages: Iterable[Usage | None]) -> Usage | None:
    """The sum of the known usages; None when there are none (the offline grader)."""
    known = [u for u in usages if u is not None]
    return sum(known, Usage()) if known else None
