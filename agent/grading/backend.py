"""The one interface every grader backend implements: assess one answer in its context.

A backend grades the new answer on the four dimensions and may word the next probe (the LLM
backend does, in the same call). The policy that picks which dimension to probe stays in code;
a worded probe is used only when it targets the dimension the policy picked.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import Field

from agent.bank.rubric import Dimension, Rubric
from agent.errors import BackendError
from agent.grading.grade import Grade
from agent.models import Frozen


class Exchange(Frozen):
    """One interviewer line and the candidate's reply to it."""

    asked: str
    answer: str


class TurnRequest(Frozen):
    """What a backend gets for one turn."""

    answer: str
    asked: str
    history: list[Exchange] = Field(default_factory=list)
    best: dict[Dimension, int] = Field(default_factory=dict)
    already_asked: list[str] = Field(default_factory=list)
    set_aside: list[Dimension] = Field(default_factory=list)
    """Dimensions the policy no longer probes (skipped, stalled or out of probes)."""
    follow_up: bool = False
    """The answer replies to a probe rather than to the opening question, so it is about the
    question's topic even where it says "it" instead of naming the concept."""
    scores_only: bool = False
    """Only this answer's scores and their evidence are wanted (eval's canned answers): a model
    backend asks for no probe wording and no reasons, which nobody would read."""


class SuggestedProbe(Frozen):
    dimension: Dimension
    text: str


class Usage(Frozen):
    """What a turn (or a suite) cost at the model endpoint."""

    calls: int = 0
    """HTTP requests sent to the endpoint, every retry included."""
    cached: int = 0
    """Replies served from the disk cache instead of a call."""
    prompt_tokens: int = 0
    cached_tokens: int = 0
    """Of the prompt tokens, those the server read from its prefix cache (its
    ``usage.prompt_tokens_details.cached_tokens``; 0 when it does not say)."""
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            cached=self.cached + other.cached,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class FallbackInfo(Frozen):
    """Why a turn was graded by the fallback instead of the configured backend."""

    reason: str
    """One line: the failure (naming the HTTP status or the timeout), or why no call was made."""
    called: bool = True
    """False when the model was not called at all (it had already failed too often)."""
    circuit: str | None = None
    """Set once the model is no longer called: why, in one line naming the server."""


class Assessment(Frozen):
    """A backend's verdict on one answer."""

    grade: Grade
    """This answer on its own."""
    conversation: Grade | None = None
    """The whole conversation so far (every answer, this one included) graded as one: a point
    begun in one answer and completed in a later one counts. None when the backend grades
    answers only one at a time (the policy then keeps each dimension's best per-answer score)."""
    probe: SuggestedProbe | None = None
    fallback: bool = False
    """The configured backend failed and the answer was graded offline instead."""
    ungraded: str | None = None
    """Why this backend could not grade the answer at all (e.g. the offline grader reads
    English only); its zeros are then no judgement, and eval reports the case unscored."""
    notes: list[str] = Field(default_factory=list)
    usage: Usage | None = None
    """Model usage for this turn (None for backends that call no model)."""
    fallback_info: FallbackInfo | None = None
    """Why the fallback graded this turn (None when it did not)."""


class Backend(Protocol):
    """A grader: offline rules, or a model behind an OpenAI-compatible endpoint."""

    name: str
    model: str | None

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment: ...


class BackendFailure(BackendError):
    """A backend could not grade this turn (after its own retries).

    Args:
        reason: one line, naming the HTTP status or the timeout where there is one; never a
            request header (so never a key).
        usage: what the failed attempts cost at the endpoint.
    """

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage
