"""Composition instead of a hard-wired fallback: a backend that raises, and one to fall back on.

The model backend only raises ``BackendFailure`` when it cannot grade a turn; this wrapper
decides what happens then: the turn is graded by the fallback (the offline grader), marked
``fallback``, and the reason is recorded in the assessment's notes (which the transcript keeps).
"""

from __future__ import annotations

from agent.bank.rubric import Rubric
from agent.grading.backend import Assessment, Backend, BackendFailure, TurnRequest


class FallbackBackend:
    """Grade with ``primary``; when it fails, grade the same turn with ``fallback``.

    Args:
        primary: the backend to ask first (a model).
        fallback: the backend that grades a turn the primary could not (offline).
    """

    def __init__(self, primary: Backend, fallback: Backend) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.model = primary.model

    def __repr__(self) -> str:
        return f"FallbackBackend({self.primary!r}, {self.fallback!r})"

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        try:
            return self.primary.assess(rubric, request)
        except BackendFailure as exc:
            graded = self.fallback.assess(rubric, request)
            note = f"the model backend failed ({exc.reason}); this turn was graded offline"
            return graded.model_copy(update={"fallback": True, "notes": [note], "usage": exc.usage})
