"""Hand-made transcripts for the progress tests: a conversation on a given day with a given
outcome and best scores, written the way ``followup chat`` writes one (the real event models)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from agent.bank.rubric import Dimension
from agent.grading.grade import DimensionGrade, Grade
from agent.session.policy import Outcome
from agent.session.transcript import (
    AnswerEvent,
    EndEvent,
    GradeEvent,
    ProbeEvent,
    QuestionEvent,
    SessionEvent,
    TranscriptWriter,
)

DIMS = ("definition", "implication", "example", "tradeoff")


def scores(text: str) -> dict[Dimension, int]:
    """``"3 2 1 0"`` as definition 3, implication 2, example 1, tradeoff 0."""
    return {Dimension(d): int(s) for d, s in zip(DIMS, text.split(), strict=True)}


def conversation(
    folder: Path,
    question: str,
    started: datetime,
    outcome: Outcome | None,
    best: str = "2 2 2 2",
    *,
    loop_id: str | None = None,
    probe: tuple[str, str] | None = None,
    question_text: str = "The question as asked.",
    name: str | None = None,
) -> Path:
    """Write one transcript; ``outcome`` None leaves it unfinished (no end event)."""
    at = started.isoformat(timespec="seconds")
    path = folder / (name or f"{started:%Y%m%dT%H%M%S}-{question}-{uuid.uuid4().hex[:4]}.jsonl")
    writer = TranscriptWriter(path)
    best_scores = scores(best)
    grade = Grade(
        **{
            d.value: DimensionGrade(
                score=s, evidence=["An answer."] if s else [], reason="hand-made"
            )
            for d, s in best_scores.items()
        }
    )
    later = (started + timedelta(minutes=3)).isoformat(timespec="seconds")
    writer.write(
        SessionEvent(at=at, question_id=question, grader="offline", max_turns=6, loop_id=loop_id)
    )
    writer.write(QuestionEvent(at=at, text=question_text))
    writer.write(AnswerEvent(at=at, turn=1, text="An answer."))
    writer.write(GradeEvent(at=at, turn=1, grade=grade))
    if probe is not None:
        writer.write(ProbeEvent(at=at, turn=1, dimension=Dimension(probe[0]), text=probe[1]))
    if outcome is not None:
        writer.write(EndEvent(at=later, outcome=outcome, answers=1, best=best_scores))
    writer.close()
    return path
