"""The summary rests on the conversation-level picture and never calls missing what was said."""

from __future__ import annotations

from agent.bank.rubric import Bank, Dimension
from agent.grading.offline import OfflineBackend
from agent.session.interview import Interview
from agent.session.summary import summarize

OPENING = (
    "Bias is error from a model that is too simple to capture the pattern, so it underfits. "
    "Variance is error from being too sensitive to the particular training sample, so it "
    "overfits."
)
DECOMPOSITION = (
    "Expected squared error decomposes into bias squared plus variance plus irreducible noise."
)


def test_missing_never_lists_a_point_made_in_any_turn(bank: Bank) -> None:
    rubric = bank.get("bias-variance")
    interview = Interview(rubric, OfflineBackend())
    interview.answer(OPENING)
    interview.answer(DECOMPOSITION)
    interview.quit()
    summary = summarize(interview)
    definition = next(d for d in summary.dimensions if d.dimension is Dimension.DEFINITION)
    said = {p.says for p in rubric.definition.points if p.id in {"error-decomposition"}}
    assert definition.missing is not None
    assert not any(s in definition.missing for s in said)
    assert "decomposes" not in definition.missing


def test_the_policy_scores_the_conversation_not_the_best_turn(bank: Bank) -> None:
    rubric = bank.get("bias-variance")
    interview = Interview(rubric, OfflineBackend())
    interview.answer(OPENING)
    interview.answer(
        "Expected squared error decomposes into bias squared plus variance plus irreducible "
        "noise. Raising model complexity lowers bias but raises variance, so there is a sweet "
        "spot."
    )
    own = max(t.assessment.grade.definition.score for t in interview.turns)
    assert own < 3 and interview.state.best[Dimension.DEFINITION] == 3
    summary = summarize(interview)
    definition = next(d for d in summary.dimensions if d.dimension is Dimension.DEFINITION)
    assert definition.score == 3 and definition.missing is None and definition.turn == 2
