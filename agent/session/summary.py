"""The graded summary at the end of an interview."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
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


def _best_turn(grades: Sequence[Grade], dim: Dimension) -> tuple[int | None, DimensionGrade | None]:
    best: tuple[int | None, DimensionGrade | None] = (None, None)
    for n, grade in enumerate((g.get(dim) for g in grades), start=1):
        if best[1] is None or grade.score > best[1].score:
            best = (n, grade)
    return best


_NEEDS = re.compile(r";?\s*\ba [23] needs: (?P<needs>.*)$", re.DOTALL)
_JOINT = re.compile(r"\.\s*;\s*")


def tidy_reason(reason: str, missing: str | None) -> str:
    """A grade's reason as the summary shows it: one line, points joined by "; " (not ".;"),
    and without a trailing "a 3 needs: ..." that the summary's ``missing`` line says anyway."""
    text = _JOINT.sub("; ", " ".join(plain(reason).split()))
    needs = _NEEDS.search(text)
    if needs and needs.start() > 0 and missing and _key(needs["needs"]) == _key(missing):
        text = text[: needs.start()]
    return text


def _key(text: str) -> str:
    return " ".join(_JOINT.sub("; ", text).split()).rstrip(" .").casefold()


def summarize_grades(
    rubric: Rubric, grades: Sequence[Grade], best: Mapping[Dimension, int], outcome: Outcome
) -> Summary:
    """Summarise a conversation from its per-turn grades and the policy's best scores.

    ``followup replay`` builds its end-of-report summary here too, from re-graded turns.
    """
    dims: list[DimensionSummary] = []
    for dim in DIMENSIONS:
        turn, grade = _best_turn(grades, dim)
        score = best[dim]
        spec = rubric.dimension(dim)
        missing = None if score >= 3 else (spec.level2 if score < 2 else spec.level3)
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
    )


def offline_turns(interview: Interview) -> list[tuple[int, str]]:
    """The turns the fallback graded (the model failed, or was no longer called), and why."""
    return [
        (n, turn.assessment.fallback_info.reason if turn.assessment.fallback_info else "")
        for n, turn in enumerate(interview.turns, start=1)
        if turn.assessment.fallback
    ]
