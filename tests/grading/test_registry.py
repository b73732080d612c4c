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
