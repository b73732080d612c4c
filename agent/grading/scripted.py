"""A deterministic fake backend that replays queued scores and records its calls.

It lives in the package, not only in tests, so anything that takes a ``Backend`` (the
interview loop, replay, the eval runner) can be driven without a grader's judgement getting in
the way: what the loop does with a given sequence of grades is then exactly reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.errors import BackendError
from agent.grading.backend import Assessment, SuggestedProbe, TurnRequest
from agent.grading.grade import DimensionGrade, Grade


class ScriptExhausted(BackendError):
    """More answers were graded than the script holds."""


class ScriptedBackend:
    """Grades the n-th answer with the n-th queued score set.

    Args:
        scores: one mapping per answer, dimension (or its name) to score.
        probes: optional probe wording per answer, as the LLM backend would suggest it.
    """

    name = "scripted"
    model: str | None = None

    def __init__(
        self,
        scores: Sequence[Mapping[Dimension | str, int]],
        probes: Sequence[SuggestedProbe | None] | None = None,
    ) -> None:
        self._scores = list(scores)
        self._probes = list(probes or [])
        self.calls: list[TurnRequest] = []

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        n = len(self.calls)
        if n >= len(self._scores):
            raise ScriptExhausted(f"script has {len(self._scores)} grades; asked for #{n + 1}")
        self.calls.append(request)
        wanted = {Dimension(k): v for k, v in self._scores[n].items()}
        evidence = [request.answer.strip() or "(empty)"]
        grades = {
            d: DimensionGrade(
                score=wanted.get(d, 0),
                evidence=evidence if wanted.get(d, 0) else [],
                reason="scripted",
            )
            for d in DIMENSIONS
        }
        probe = self._probes[n] if n < len(self._probes) else None
        return Assessment(grade=Grade.from_dimensions(grades, self.name, []), probe=probe)
