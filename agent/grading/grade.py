"""What a grader returns: a score per dimension, the evidence it rests on, and why."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.models import Frozen

Score = Annotated[int, Field(ge=0, le=3)]


class DimensionGrade(Frozen):
    """One dimension's grade. A score above 0 always carries verbatim evidence."""

    score: Score
    evidence: list[str] = Field(default_factory=list)
    reason: str
    points: list[str] = Field(default_factory=list)
    """Ids of the rubric points this grade rests on (the offline grader names them; a model
    backend leaves this empty)."""

    @model_validator(mode="after")
    def _evidence_backs_score(self) -> DimensionGrade:
        if self.score > 0 and not any(e.strip() for e in self.evidence):
            raise ValueError("a score above 0 needs evidence from the answer")
        return self


class Grade(Frozen):
    """The four dimension grades of one answer."""

    definition: DimensionGrade
    implication: DimensionGrade
    example: DimensionGrade
    tradeoff: DimensionGrade
    grader: str = "offline"
    notes: list[str] = Field(default_factory=list)

    def get(self, dim: Dimension) -> DimensionGrade:
        grade: DimensionGrade = getattr(self, dim.value)
        return grade

    def scores(self) -> dict[Dimension, int]:
        return {d: self.get(d).score for d in DIMENSIONS}

    @classmethod
    def from_dimensions(
        cls, grades: dict[Dimension, DimensionGrade], grader: str, notes: list[str]
    ) -> Grade:
        return cls(
            definition=grades[Dimension.DEFINITION],
            implication=grades[Dimension.IMPLICATION],
            example=grades[Dimension.EXAMPLE],
            tradeoff=grades[Dimension.TRADEOFF],
            grader=grader,
            notes=notes,
        )

    @classmethod
    def empty(cls, grader: str, reason: str) -> Grade:
        """All zeros, for an answer with nothing to grade."""
        zero = DimensionGrade(score=0, reason=reason)
        return cls.from_dimensions(dict.fromkeys(DIMENSIONS, zero), grader, [])
