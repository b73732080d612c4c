"""Shared pieces for the respx-mocked model tests: canned chat completions and a backend."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_none

from agent.bank.rubric import DIMENSIONS
from agent.grading.fallback import FallbackBackend
from agent.grading.llm.openai_backend import OpenAIBackend, transport_retrying
from agent.grading.llm.turn import ReplyError
from agent.grading.offline import OfflineBackend
from agent.grading.settings import LLMConfig

BASE_URL = "http://llm.test/v1"
CHAT_URL = f"{BASE_URL}/chat/completions"
SECRET = "sk-test-DO-NOT-LEAK-4242"


def no_sleep_retrying(attempts: int = 3) -> Retrying:
    """The adapter's retry policy without the waiting."""
    return Retrying(
        retry=retry_if_exception_type(ReplyError),
        stop=stop_after_attempt(attempts),
        wait=wait_none(),
        reraise=True,
    )


def no_wait_transport(max_retries: int) -> Retrying:
    """The adapter's transport policy without the backoff (Retry-After is still honoured by
    the real policy; tests that need it send ``retry-after: 0.01``)."""
    return transport_retrying(max_retries, wait=wait_none())


def config(**overrides: Any) -> LLMConfig:
    settings: dict[str, Any] = {
        "backend": "openai",
        "model": "test-model",
        "base_url": BASE_URL,
        "api_key": SecretStr(SECRET),
        "max_retries": 1,
        "timeout": 5.0,
    }
    settings.update(overrides)
    return LLMConfig(**settings)


def backend(attempts: int = 3, **overrides: Any) -> FallbackBackend:
    """The model backend as the registry builds it: offline grading when the model fails."""
    model = OpenAIBackend(config(**overrides), retrying=no_sleep_retrying(attempts))
    return FallbackBackend(model, OfflineBackend())


def model_of(composed: FallbackBackend) -> OpenAIBackend:
    """The model adapter inside ``backend()``."""
    assert isinstance(composed.primary, OpenAIBackend)
    return composed.primary


def grades_json(
    scores: Mapping[str, int] | None = None,
    evidence: Mapping[str, list[str]] | None = None,
    reasons: bool = True,
) -> dict[str, Any]:
    """Four dimension grades as the reply schema has them."""
    scores = scores or {}
    evidence = evidence or {}
    grades: dict[str, Any] = {}
    for d in DIMENSIONS:
        grade: dict[str, Any] = {
            "score": scores.get(d.value, 0),
            "evidence": evidence.get(d.value, []),
        }
        if reasons:
            grade["reason"] = f"{d.value} reason"
        grades[d.value] = grade
    return grades


def reply_json(
    scores: Mapping[str, int] | None = None,
    evidence: Mapping[str, list[str]] | None = None,
    probe: tuple[str, str] | None = ("implication", "What does that change in practice?"),
    conversation: dict[str, Any] | None = None,
) -> str:
    """A model reply in the schema; evidence defaults to none (so scores above 0 need it).

    ``conversation`` is the whole conversation's grades (``grades_json``); left out when None.
    """
    body: dict[str, Any] = {"grades": grades_json(scores, evidence)}
    if conversation is not None:
        body["conversation"] = conversation
    if probe is not None:
        body["probe"] = {"dimension": probe[0], "text": probe[1]}
    return json.dumps(body)


def completion(
    content: str | None,
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 900,
    completion_tokens: int = 150,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    cached_tokens: int | None = None,
) -> httpx.Response:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    if cached_tokens is not None:
        body["usage"]["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
    return httpx.Response(status, json=body, headers=dict(headers or {}))


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": status}}
    return httpx.Response(status, json=body, headers=dict(headers or {}))


def sent(route: Any, n: int = 0) -> dict[str, Any]:
    """The JSON body of the n-th request a respx route received."""
    body: dict[str, Any] = json.loads(route.calls[n].request.content)
    return body
