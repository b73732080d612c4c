"""Composition instead of a hard-wired fallback: a backend that raises, and one to fall back on.

The model backend only raises ``BackendFailure`` when it cannot grade a turn; this wrapper
decides what happens then: the turn is graded by the fallback (the offline grader), marked
``fallback``, and the reason is recorded in the assessment's notes (which the transcript keeps).

It is also the circuit breaker: after ``max_failures`` failures in a row the primary is not
called again by this instance (a session, an eval run), so a dead or hung server costs a few
failed turns once rather than a timeout on every turn. A success in between resets the count.
"""

from __future__ import annotations

import threading

from agent.bank.rubric import Rubric
from agent.grading.backend import (
    Assessment,
    Backend,
    BackendFailure,
    FallbackInfo,
    TurnRequest,
    Usage,
)
from agent.text import plain

SESSION_MAX_FAILURES = 2
"""Failures in a row after which a practice session stops calling the model."""


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


class FallbackBackend:
    """Grade with ``primary``; when it fails, grade the same turn with ``fallback``.

    Args:
        primary: the backend to ask first (a model).
        fallback: the backend that grades a turn the primary could not (offline).
        max_failures: failures in a row after which the primary is no longer called
            (None: always call it).
        endpoint: what the breaker's message calls the primary (the server's URL).
    """

    def __init__(
        self,
        primary: Backend,
        fallback: Backend,
        max_failures: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        if max_failures is not None and max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.model = primary.model
        self.max_failures = max_failures
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._failures: list[str] = []
        """The reasons of the failures since the last success."""
        self.circuit: str | None = None
        """Why the primary is no longer called (None while it still is)."""

    def __repr__(self) -> str:
        return f"FallbackBackend({self.primary!r}, {self.fallback!r})"

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        circuit = self.circuit
        if circuit is not None:
            reason = f"not sent to the model: {circuit}"
            info = FallbackInfo(reason=reason, called=False, circuit=circuit)
            return self._offline(rubric, request, info, [f"graded offline, {reason}"])
        try:
            assessment = self.primary.assess(rubric, request)
        except BackendFailure as exc:
            reason = plain(exc.reason)
            opened = self._failed(reason)
            notes = [f"the model backend failed ({reason}); this turn was graded offline"]
            if opened:
                notes.append(f"{opened}; the model is not called again")
            info = FallbackInfo(reason=reason, circuit=opened or self.circuit)
            return self._offline(rubric, request, info, notes, exc.usage)
        with self._lock:
            self._failures.clear()
        return assessment

    def _failed(self, reason: str) -> str | None:
        """Count a failure; the breaker's one-line reason when this one opens it."""
        with self._lock:
            self._failures.append(reason)
            n = len(self._failures)
            if self.circuit is not None or self.max_failures is None or n < self.max_failures:
                return None
            reasons = ", then ".join(dict.fromkeys(self._failures))
            where = f"the model server at {self.endpoint}" if self.endpoint else "the model"
            self.circuit = f"{where} failed {times(n)} in a row ({reasons})"
            return self.circuit

    def _offline(
        self,
        rubric: Rubric,
        request: TurnRequest,
        info: FallbackInfo,
        notes: list[str],
        usage: Usage | None = None,
    ) -> Assessment:
        graded = self.fallback.assess(rubric, request)
        update = {"fallback": True, "notes": notes, "usage": usage, "fallback_info": info}
        return graded.model_copy(update=update)
