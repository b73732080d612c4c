"""The registry builds every backend by name; FallbackBackend grades a failed turn offline."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import SecretStr

from agent.bank.rubric import Rubric
from agent.grading import (
    BACKEND_NAMES,
    Assessment,
    BackendFailure,
    FallbackBackend,
    LLMConfig,
    ScriptedBackend,
    TurnRequest,
    Usage,
    default_concurrency,
    get_backend,
)
from agent.grading.fallback import SESSION_MAX_FAILURES
from agent.grading.llm import OpenAIBackend
from agent.grading.offline import OfflineBackend
from agent.grading.settings import BackendName


def test_every_backend_name_is_built() -> None:
    assert BACKEND_NAMES == get_args(BackendName) == ("offline", "openai")
    assert isinstance(get_backend(), OfflineBackend)
    settings = LLMConfig(
        backend="openai", model="m", base_url="http://127.0.0.1:9/v1", api_key=SecretStr("k")
    )
    composed = get_backend(settings)
    assert isinstance(composed, FallbackBackend)
    assert isinstance(composed.primary, OpenAIBackend)
    assert isinstance(composed.fallback, OfflineBackend)
    assert (composed.name, composed.model) == ("openai", "m")
    assert default_concurrency(settings) == 4 and default_concurrency(LLMConfig()) == 1


class _Failing:
    name = "failing"
    model: str | None = "m"

    def __init__(self) -> None:
        self.calls = 0

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        self.calls += 1
        raise BackendFailure("HTTP 500", Usage(calls=3))


def test_a_failed_turn_is_graded_by_the_fallback_and_marked(toy: Rubric) -> None:
    fallback = ScriptedBackend([{"definition": 2}])
    composed = FallbackBackend(_Failing(), fallback)
    result = composed.assess(toy, TurnRequest(answer="A toy is a thing.", asked=toy.question))
    assert result.fallback
    assert result.notes == ["the model backend failed (HTTP 500); this turn was graded offline"]
    assert result.usage == Usage(calls=3)
    assert result.grade.definition.score == 2 and len(fallback.calls) == 1


def test_a_good_turn_never_reaches_the_fallback(toy: Rubric) -> None:
    fallback = ScriptedBackend([])
    composed = FallbackBackend(ScriptedBackend([{"example": 1}]), fallback)
    result = composed.assess(toy, TurnRequest(answer="I built one.", asked=toy.question))
    assert not result.fallback and result.grade.example.score == 1 and fallback.calls == []


def test_other_errors_are_not_swallowed(toy: Rubric) -> None:
    class _Buggy(_Failing):
        def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
            raise KeyError("a bug")

    with pytest.raises(KeyError):
        FallbackBackend(_Buggy(), OfflineBackend()).assess(
            toy, TurnRequest(answer="x", asked=toy.question)
        )


def ask(composed: FallbackBackend, toy: Rubric) -> Assessment:
    return composed.assess(toy, TurnRequest(answer="A toy is a thing.", asked=toy.question))


def test_the_breaker_opens_after_max_failures_in_a_row(toy: Rubric) -> None:
    failing = _Failing()
    composed = FallbackBackend(failing, OfflineBackend(), 2, endpoint="http://127.0.0.1:9/v1")
    first, second, third = (ask(composed, toy) for _ in range(3))
    assert failing.calls == 2  # the third turn never reached the model
    assert first.fallback_info is not None and first.fallback_info.circuit is None
    why = "the model server at http://127.0.0.1:9/v1 failed twice in a row (HTTP 500)"
    assert second.fallback_info is not None and second.fallback_info.circuit == why
    assert second.notes == [
        "the model backend failed (HTTP 500); this turn was graded offline",
        f"{why}; the model is not called again",
    ]
    assert third.fallback and third.usage is None
    assert third.fallback_info is not None and not third.fallback_info.called
    assert third.fallback_info.reason == f"not sent to the model: {why}"
    assert composed.circuit == why


def test_a_success_resets_the_count(toy: Rubric) -> None:
    class _Flaky(_Failing):
        def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
            self.calls += 1
            if self.calls % 2:
                raise BackendFailure("timed out after 15 s")
            return ScriptedBackend([{"definition": 1}]).assess(rubric, request)

    flaky = _Flaky()
    composed = FallbackBackend(flaky, OfflineBackend(), 2)
    results = [ask(composed, toy) for _ in range(6)]
    assert flaky.calls == 6 and composed.circuit is None
    assert [r.fallback for r in results] == [True, False] * 3


def test_different_reasons_are_all_named(toy: Rubric) -> None:
    reasons = iter(["HTTP 503", "timed out after 15 s", "HTTP 503"])

    class _Varied(_Failing):
        def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
            raise BackendFailure(next(reasons))

    composed = FallbackBackend(_Varied(), OfflineBackend(), 3)
    for _ in range(3):
        ask(composed, toy)
    assert composed.circuit == (
        "the model failed 3 times in a row (HTTP 503, then timed out after 15 s)"
    )


def test_without_max_failures_the_model_is_always_called(toy: Rubric) -> None:
    failing = _Failing()
    composed = FallbackBackend(failing, OfflineBackend())
    for _ in range(5):
        ask(composed, toy)
    assert failing.calls == 5 and composed.circuit is None


def test_the_registry_builds_the_breaker_with_the_servers_url() -> None:
    settings = LLMConfig(
        backend="openai", model="m", base_url="http://127.0.0.1:9/v1", api_key=SecretStr("k")
    )
    session = get_backend(settings)
    run = get_backend(settings, max_failures=5)
    assert isinstance(session, FallbackBackend) and isinstance(run, FallbackBackend)
    assert (session.max_failures, run.max_failures) == (SESSION_MAX_FAILURES, 5) == (2, 5)
    assert session.endpoint == "http://127.0.0.1:9/v1"
    with pytest.raises(ValueError, match="at least 1"):
        FallbackBackend(_Failing(), OfflineBackend(), 0)
