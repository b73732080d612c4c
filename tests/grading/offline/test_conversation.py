"""The offline grader's conversation-level picture: every answer so far, graded together."""

from __future__ import annotations

from agent.bank.rubric import Bank, Dimension
from agent.grading.backend import Exchange, TurnRequest
from agent.grading.offline import OfflineBackend, OfflineGrader

OPENING = (
    "Bias is error from a model that is too simple to capture the pattern, so it underfits. "
    "Variance is error from being too sensitive to the particular training sample, so it "
    "overfits and a retrained model changes a lot."
)
COMPLETION = (
    "Expected squared error decomposes into bias squared plus variance plus irreducible noise. "
    "Raising model complexity lowers bias but raises variance, so there is a sweet spot."
)


def test_a_definition_completed_in_a_later_answer_earns_its_3(bank: Bank) -> None:
    rubric = bank.get("bias-variance")
    grader = OfflineGrader()
    first = grader.grade(rubric, OPENING).definition.score
    second = grader.grade(rubric, COMPLETION, follow_up=True).definition.score
    together = grader.grade_conversation(rubric, [OPENING, COMPLETION]).definition
    assert first < 3 and second < 3
    assert together.score == 3
    assert {"high-bias-underfit", "error-decomposition"} <= set(together.points)


def test_the_backend_returns_both_pictures(bank: Bank) -> None:
    rubric = bank.get("bias-variance")
    backend = OfflineBackend()
    opening = backend.assess(rubric, TurnRequest(answer=OPENING, asked=rubric.question))
    assert opening.conversation == opening.grade
    reply = backend.assess(
        rubric,
        TurnRequest(
            answer=COMPLETION,
            asked="Where does the error come from?",
            history=[Exchange(asked=rubric.question, answer=OPENING)],
            follow_up=True,
        ),
    )
    assert reply.grade.definition.score < 3
    assert reply.conversation is not None and reply.conversation.definition.score == 3


def test_a_story_stays_inside_the_answer_that_tells_it(bank: Bank) -> None:
    rubric = bank.get("feature-store")
    vague = (
        "We had something like that at my last company, built on top of our warehouse and "
        "Redis, and it worked pretty well for us."
    )
    figures = (
        "I'd simulate staleness offline: rebuild the training set with the feature lagged by an "
        "hour and compare on the same folds. If the fresh version isn't worth at least half an "
        "AUC point, it's served from the hourly batch, and for two or three models I wouldn't "
        "build a feature store at all."
    )
    grader = OfflineGrader()
    alone = grader.grade(rubric, vague, follow_up=True).example.score
    together = grader.grade_conversation(rubric, [vague, figures]).example.score
    assert alone <= 1 and together == alone


def test_each_answer_is_capped_on_its_own_so_the_latest_is_never_lost(bank: Bank) -> None:
    rubric = bank.get("bias-variance")
    essay = "Models are things. " * 1200  # far past the per-answer cap
    together = OfflineGrader().grade_conversation(rubric, [essay, COMPLETION])
    assert together.get(Dimension.DEFINITION).score >= 2
