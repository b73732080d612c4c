"""The graded summary at the end of an interview."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from agent.bank.rubric import DIMENSIONS, Dimension, DimensionRubric, Rubric
from agent.grading.grade import DimensionGrade, Grade
from agent.models import Strict
from agent.session.interview import Interview
from agent.session.policy import Outcome
from agent.text import plain

OUTCOME_TEXT = {
    Outcome.SENIOR: "reached the senior layer on all four dimensions",
    Outcome.OUT_OF_TURNS: "ran out of turns",
    Outcome.STALLED: "stalled: nothing left worth probing",
    Outcome.QUIT: "ended by the candidate",
    Outcome.OUT_OF_TIME: "ran out of time",
}


class DimensionSummary(Strict):
    dimension: Dimension
    score: int
    turn: int | None
    evidence: list[str]
    reason: str
    missing: str | None


class Summary(Strict):
    """What the candidate sees at the end, and what a report is built from."""

    question_id: str
    question: str
    outcome: Outcome
    answers: int
    dimensions: list[DimensionSummary]
    weakest: Dimension | None
    reference_answer: str


def _best_turn(
    grades: Sequence[Grade], conversation: Sequence[Grade | None], dim: Dimension
) -> tuple[int | None, DimensionGrade | None]:
    """The turn where the dimension's best score was reached, and the grade that shows it.

    The conversation grade of a turn (every answer up to it, graded together) wins a tie with
    that turn's own grade: its evidence is the whole of what was said.
    """
    turn: int | None = None
    shown: DimensionGrade | None = None
    for n, own in enumerate(grades, start=1):
        mine = own.get(dim)
        if shown is None or mine.score > shown.score:
            turn, shown = n, mine
        whole = conversation[n - 1] if n - 1 < len(conversation) else None
        wide = whole.get(dim) if whole is not None else None
        if wide is not None and wide.score >= shown.score:
            # Same score, later and wider: the turn where the score was first reached stays.
            turn = turn if wide.score == shown.score else n
            shown = wide
    best = (turn, shown)
    return best


MAX_MISSING = 2


def _missing(spec: DimensionRubric, score: int, grade: DimensionGrade | None) -> str | None:
    """What the next level still needs, never a point the conversation already made.

    With the offline grader's point ids: the rubric points of the next level not yet said. A
    grade without point ids (a model's, or a story-based example) gets the level's wording.
    """
    if score >= 3:
        return None
    level = 2 if score < 2 else 3
    made = set(grade.points) if grade is not None else set()
    if not made:
        return spec.level2 if level == 2 else spec.level3
    unsaid = [p.says for p in spec.points if p.level == level and p.id not in made]
    if not unsaid:
        return f"one more point at this level beyond the {len(made)} made"
    return " Or: ".join(unsaid[:MAX_MISSING])


_NEEDS = re.compile(r";?\s*\ba [23] needs: .*$", re.DOTALL)
_JOINT = re.compile(r"\.\s*;\s*")


def tidy_reason(reason: str, missing: str | None) -> str:
    """A grade's reason as the summary shows it: one line, points joined by "; " (not ".;"),
    and without a trailing "a 3 needs: ..." when the summary's ``missing`` line says what the
    next level needs."""
    text = _JOINT.sub("; ", " ".join(plain(reason).split()))
    needs = _NEEDS.search(text)
    if needs and needs.start() > 0 and missing:
        text = text[: needs.start()]
    return text


def summarize_grades(
    rubric: Rubric,
    grades: Sequence[Grade],
    best: Mapping[Dimension, int],
    outcome: Outcome,
    conversation: Sequence[Grade | None] = (),
) -> Summary:
    """Summarise a conversation from its grades and the policy's best scores.

    Args:
        grades: each answer's own grade, in turn order.
        best: the policy's conversation-level score per dimension.
        outcome: how the conversation ended.
        conversation: per turn, the grade of the conversation up to it (None where the backend
            gave none), so what was said across turns is credited and never listed as missing.

    ``followup replay`` builds its end-of-report summary here too, from re-graded turns.
    """
    dims: list[DimensionSummary] = []
    for dim in DIMENSIONS:
        turn, grade = _best_turn(grades, conversation, dim)
        score = best[dim]
        missing = _missing(rubric.dimension(dim), score, grade)
        dims.append(
            DimensionSummary(
                dimension=dim,
                score=score,
                turn=turn if score > 0 else None,
                evidence=grade.evidence if grade and score > 0 else [],
                reason=tidy_reason(grade.reason, missing) if grade else "no answer given",
                missing=missing,
            )
        )
    below = [d for d in dims if d.score < 3]
    weakest = min(below, key=lambda d: d.score).dimension if below else None
    return Summary(
        question_id=rubric.id,
        question=rubric.question,
        outcome=outcome,
        answers=len(grades),
        dimensions=dims,
        weakest=weakest,
        reference_answer=rubric.reference_answer.strip(),
    )


def summarize(interview: Interview) -> Summary:
    """Summarise a finished (or interrupted) interview."""
    return summarize_grades(
        interview.rubric,
        [turn.assessment.grade for turn in interview.turns],
        interview.state.best,
        interview.outcome or Outcome.QUIT,
        [turn.assessment.conversation for turn in interview.turns],
    )


def offline_turns(interview: Interview) -> list[tuple[int, str]]:
    """The turns the fallback graded (the model failed, or was no longer called), and why."""
    return [
        (n, turn.assessment.fallback_info.reason if turn.assessment.fallback_info else "")
        for n, turn in enumerate(interview.turns, start=1)
        if turn.assessment.fallback
    ]
