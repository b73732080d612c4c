"""The model backend over any OpenAI-compatible chat-completions endpoint.

This is the only module that imports ``openai``. One turn is one call in the common case: the
rendered prompt (``agent.grading.llm.turn``) asks for the newest answer's grades, the whole
conversation's and the next probe together (eval's canned answers: the scores only). The reply
schema travels in ``response_format``; the prompt spells it out only in a mode that may not
carry it (``json_object``, plain prompting).

Who retries what (the SDK itself never retries: its client is built with ``max_retries=0``):

* A transport policy (tenacity), here, re-sends a request that failed with a 408, 409, 429 or
  5xx (waiting what Retry-After asks, up to ``MAX_RETRY_AFTER`` seconds; longer is not waited
  for) or whose connection was refused or dropped, ``max_retries`` times. A request that timed
  out is never re-sent: a hung server would only cost another full timeout, and the session's
  circuit breaker (``FallbackBackend``) stops calling it after two failed turns.
* A second tenacity policy retries what the transport cannot see: a reply that is not valid
  JSON or does not fit the schema, a refusal, a reply cut off at ``max_tokens``. The retry tells
  the model what was wrong with its previous reply. A 200 whose body is not a chat completion
  at all (a proxy's HTML page, ``"message": null``, no ``choices``) is retried the same way:
  the SDK builds its response objects without validating them, so ``_unpack`` checks every
  field it reads.
* With ``structured_output = "auto"`` (the default), the mode is negotiated once per backend
  instance: ``json_schema`` first; an error naming ``response_format``/``json_schema``
  (llama-cpp-python answers a 500 carrying its validation error) switches to
  ``{"type": "json_object", "schema": ...}``, and a rejection of that to plain prompting. A
  rejection is never retried, so it costs one request. Every reply is validated whatever the
  server claims to enforce. A pinned mode is never negotiated: when the server rejects it, the
  turn fails (and is graded offline) with the reason in its notes.

``Usage.calls`` counts HTTP requests as the HTTP client sends them (an event hook on it), so
every retry is counted. When all of that fails, ``assess`` raises ``BackendFailure`` with a
one-line reason naming the HTTP status or the timeout; ``FallbackBackend`` decides what
happens then (the registry grades such a turn offline and marks it ``fallback``).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessage, ChatCompletionMessageParam
from openai.types.chat.chat_completion import Choice
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from agent.bank.rubric import Rubric
from agent.grading.backend import Assessment, BackendFailure, TurnRequest, Usage
from agent.grading.llm.cache import CachedReply, ReplyCache, cache_key
from agent.grading.llm.turn import (
    ModelReply,
    ReplyError,
    TurnPrompt,
    build_prompt,
    parse_reply,
    verify,
)
from agent.grading.settings import LLMConfig
from agent.text import plain

Mode = Literal["json_schema", "json_object", "prompt"]
_NEXT_MODE: dict[Mode, Mode] = {"json_schema": "json_object", "json_object": "prompt"}
SCHEMA_NAME = "turn_assessment"
MAX_RETRY_AFTER = 30.0
"""Seconds of Retry-After worth waiting for; a server asking for longer fails the turn."""
MAX_BACKOFF = 8.0
MAX_DETAIL_CHARS = 100


def default_retrying(reply_retries: int) -> Retrying:
    """The one retry policy for unusable replies: a few quick attempts, then give up."""
    return Retrying(
        retry=retry_if_exception_type(ReplyError),
        stop=stop_after_attempt(1 + reply_retries),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    )


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms`` or ``retry-after``), if it did."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            seconds = float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError):
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _resendable(exc: BaseException) -> bool:
    """A transport fault worth sending the request again for (never a timeout)."""
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, openai.APIConnectionError):
        return True
    if isinstance(exc, openai.APIStatusError) and _transient(exc):
        after = _retry_after(exc)
        return after is None or after <= MAX_RETRY_AFTER
    return False


def _transport_wait(state: RetryCallState) -> float:
    """What the server asked for, else exponential backoff with a little jitter."""
    exc = state.outcome.exception() if state.outcome else None
    after = _retry_after(exc)
    if after is not None:
        return after
    backoff: float = min(0.5 * 2.0 ** (state.attempt_number - 1), MAX_BACKOFF)
    return backoff * (1 - 0.25 * random.random())


def transport_retrying(
    max_retries: int, wait: Callable[[RetryCallState], float] = _transport_wait
) -> Retrying:
    """The one retry policy for transport faults (see the module docstring)."""
    return Retrying(
        retry=retry_if_exception(_resendable),
        stop=stop_after_attempt(1 + max_retries),
        wait=wait,
        reraise=True,
    )


def _rejects_format(exc: openai.APIStatusError) -> bool:
    """An error complaining about response_format (the server cannot do this mode).

    OpenAI-style servers answer 400; FastAPI-based ones 422; llama-cpp-python 0.3 wraps its
    request validation error in a 500.
    """
    if exc.status_code not in (400, 422, 500):
        return False
    text = f"{exc.message} {exc.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object"))


def _transient(exc: openai.APIStatusError) -> bool:
    """A status the SDK would have retried (so the request deserves its retries)."""
    return exc.status_code in (408, 409, 429) or exc.status_code >= 500


def _response_format(mode: Mode, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


def _schema_in_text(mode: Mode) -> bool:
    """Whether the prompt must spell the schema out: only ``json_schema`` surely carries it (a
    server taking ``json_object`` may ignore the schema beside it)."""
    return mode != "json_schema"


def _typed(messages: list[dict[str, str]]) -> list[ChatCompletionMessageParam]:
    out: list[ChatCompletionMessageParam] = []
    for m in messages:
        if m["role"] == "system":
            out.append({"role": "system", "content": m["content"]})
        elif m["role"] == "assistant":
            out.append({"role": "assistant", "content": m["content"]})
        else:
            out.append({"role": "user", "content": m["content"]})
    return out


class _HttpClient(openai.DefaultHttpxClient):
    """The SDK's default HTTP client, closed when it is garbage collected (as the SDK closes the
    one it builds itself), so pooled keep-alive connections are not left open."""

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                self.close()


class OpenAIBackend:
    """Grades answers and words probes with a model behind an OpenAI-compatible endpoint.

    Args:
        config: model, endpoint, key, timeouts and retry counts.
        http_client: the ``httpx.Client`` the SDK sends through (tests, proxies, custom
            transports); a request-counting event hook is added to it.
        retrying: the tenacity policy for unusable replies (tests pass one that does not sleep).
        transport: the tenacity policy for transport faults (default ``transport_retrying``).
        cache: a reply cache (None: always call).
    """

    name = "openai"

    def __init__(
        self,
        config: LLMConfig,
        *,
        http_client: httpx.Client | None = None,
        retrying: Retrying | None = None,
        transport: Retrying | None = None,
        cache: ReplyCache | None = None,
    ) -> None:
        if not config.model:
            raise ValueError("the openai backend needs a model")
        self.model: str | None = config.model
        self._model = config.model
        self._config = config
        self._local = threading.local()
        """Per thread: the HTTP requests sent for the turn being graded."""
        http = http_client or _HttpClient()
        hooks = http.event_hooks
        http.event_hooks = {**hooks, "request": [*hooks.get("request", []), self._sent]}
        self._client = openai.OpenAI(
            api_key=config.api_key.get_secret_value() if config.api_key else None,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            http_client=http,
        )
        self._retrying = retrying or default_retrying(config.reply_retries)
        self._transport = transport or transport_retrying(config.max_retries)
        self._cache = cache
        self._lock = threading.Lock()
        self._mode: Mode = "json_schema"
        if config.structured_output != "auto":
            self._mode = config.structured_output
        self.usage = Usage()
        """Running total over every turn this instance graded."""

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self._model!r}, base_url={self._config.base_url!r})"

    @property
    def mode(self) -> Mode:
        """The structured-output mode in use (after any negotiation)."""
        return self._mode

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def _sent(self, request: httpx.Request) -> None:
        """httpx event hook: one more request on the wire for this thread's turn."""
        self._local.requests = getattr(self._local, "requests", 0) + 1

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        """Grade one answer and word the next probe.

        Raises:
            BackendFailure: no usable reply after every retry; carries the usage spent.
        """
        prompt = build_prompt(rubric, request)
        spent: list[Usage] = []
        self._local.requests = 0
        try:
            reply = self._reply(prompt, spent)
        except BackendFailure as exc:
            raise BackendFailure(exc.reason, self._spend(spent)) from exc
        usage = self._spend(spent)
        checked = verify(reply, rubric, request)
        return Assessment(
            grade=checked.grade,
            conversation=checked.conversation,
            probe=checked.probe,
            notes=checked.notes,
            usage=usage,
        )

    def _spend(self, spent: list[Usage]) -> Usage:
        """This turn's usage (requests counted on the wire), added to the running total."""
        usage = sum(spent, Usage(calls=self._local.requests))
        with self._lock:
            self.usage = self.usage + usage
        return usage

    def _parameters(self, prompt: TurnPrompt) -> dict[str, object]:
        return {
            "temperature": self._config.temperature,
            "max_tokens": self._config.max_tokens,
            "schema": prompt.schema,
        }

    def _cached(self, key: str, spent: list[Usage]) -> ModelReply | None:
        if self._cache is None:
            return None
        hit = self._cache.get(key)
        if hit is None:
            return None
        try:
            reply = parse_reply(hit.content)
        except ReplyError:
            return None
        tokens = {
            "prompt_tokens": hit.prompt_tokens,
            "cached_tokens": hit.cached_tokens,
            "completion_tokens": hit.completion_tokens,
        }
        spent.append(Usage(cached=1, **tokens))
        return reply

    def _reply(self, prompt: TurnPrompt, spent: list[Usage]) -> ModelReply:
        key = cache_key(self._model, self.base_url, prompt.messages, self._parameters(prompt))
        hit = self._cached(key, spent)
        if hit is not None:
            return hit
        previous: list[dict[str, str]] = []

        def attempt() -> tuple[ModelReply, _Raw]:
            raw = _unpack(self._transport.copy()(self._send, prompt, previous), spent)
            try:
                return _check(raw), raw
            except ReplyError as exc:
                said = [{"role": "assistant", "content": raw.content}] if raw.content else []
                previous[:] = [
                    *said,
                    {
                        "role": "user",
                        "content": f"That reply could not be used: {exc}. Reply again with "
                        "only the JSON object described above.",
                    },
                ]
                raise

        try:
            reply, raw = self._retrying.copy()(attempt)
        except ReplyError as exc:
            raise BackendFailure(plain(exc)) from exc
        except RetryError as exc:  # an injected policy without reraise=True
            raise BackendFailure(plain(exc.last_attempt.exception())) from exc
        except openai.OpenAIError as exc:
            raise BackendFailure(self._describe(exc)) from exc
        if self._cache is not None:
            self._cache.put(key, raw.cached())
        return reply

    def _send(self, prompt: TurnPrompt, previous: list[dict[str, str]]) -> object:
        """One chat completion (another when the server rejects the structured-output mode).

        ``previous`` is what follows the prompt on a retry: the unusable reply and why.
        """
        while True:
            mode = self._mode
            response_format = _response_format(mode, prompt.schema)
            messages = prompt.sent(_schema_in_text(mode)) + previous
            try:
                return self._client.chat.completions.create(
                    model=self._model,
                    messages=_typed(messages),
                    temperature=self._config.temperature,
                    max_tokens=self._config.max_tokens,
                    extra_body={"response_format": response_format} if response_format else None,
                )
            except json.JSONDecodeError:
                # The SDK parses a JSON content type itself and lets a broken body through.
                raise ReplyError("the server's reply is not valid JSON") from None
            except openai.APIStatusError as exc:
                if mode not in _NEXT_MODE or not _rejects_format(exc):
                    raise
                if self._config.structured_output != "auto":  # pinned: no negotiation
                    raise BackendFailure(
                        f"HTTP {exc.status_code}: the server rejects the pinned "
                        f"structured_output {mode!r}"
                    ) from exc
                with self._lock:
                    if self._mode == mode:
                        self._mode = _NEXT_MODE[mode]

    def _describe(self, exc: openai.OpenAIError) -> str:
        """A one-line reason naming the timeout or the HTTP status; never a request header, and
        the key is blanked should a server echo it."""
        if isinstance(exc, openai.APITimeoutError):
            return f"timed out after {self._config.timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, httpx.ConnectError):
                return f"cannot reach the server ({_cause(cause)})"
            return f"the connection failed ({_cause(cause)})"
        if not isinstance(exc, openai.APIStatusError):
            return type(exc).__name__
        if exc.status_code in (401, 403):
            return f"HTTP {exc.status_code}: the server refused the API key"
        detail = _server_message(exc.body)
        secret = self._config.api_key.get_secret_value() if self._config.api_key else ""
        if detail and secret:
            detail = detail.replace(secret, "***")
        return f"HTTP {exc.status_code}: {detail}" if detail else f"HTTP {exc.status_code}"


def _cause(cause: BaseException | None) -> str:
    """What the socket said (``connection refused``), from the exception under the SDK's."""
    text = " ".join(plain(cause).split()) if cause is not None else ""
    if text.startswith("[Errno"):
        text = text.partition("]")[2].strip()
    return _short(text.lower().rstrip(".")) or "no detail"


def _server_message(body: object) -> str:
    """The ``error.message`` of a JSON error body, one short line (nothing for HTML pages)."""
    error = body.get("error", body) if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return _short(" ".join(plain(message).split())) if isinstance(message, str) else ""


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


@dataclass(frozen=True)
class _Raw:
    """What came back from one call, before any judgement."""

    content: str
    refusal: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0

    def cached(self) -> CachedReply:
        return CachedReply(
            content=self.content,
            prompt_tokens=self.prompt_tokens,
            cached_tokens=self.cached_tokens,
            completion_tokens=self.completion_tokens,
        )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _text(value: object, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ReplyError(f"the server's reply has a {what} that is not text")


def _unpack(completion: object, spent: list[Usage]) -> _Raw:
    """The fields of one completion, or ReplyError when the body is not a chat completion.

    The SDK constructs its models without validation (and returns the bare body when it is not
    JSON), so any attribute here may be missing, None or of the wrong type.
    """
    if not isinstance(completion, ChatCompletion):
        raise ReplyError("the server's reply is not a chat completion")
    used = getattr(completion, "usage", None)
    prompt = _count(getattr(used, "prompt_tokens", 0))
    produced = _count(getattr(used, "completion_tokens", 0))
    reused = _count(getattr(getattr(used, "prompt_tokens_details", None), "cached_tokens", 0))
    spent.append(Usage(prompt_tokens=prompt, cached_tokens=reused, completion_tokens=produced))
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list):
        raise ReplyError("the server's reply has no choices")
    if not choices:
        return _Raw("", None, None, prompt, produced, reused)
    choice = choices[0]
    message = getattr(choice, "message", None)
    if not isinstance(choice, Choice) or not isinstance(message, ChatCompletionMessage):
        raise ReplyError("the server's reply has no message")
    return _Raw(
        _text(getattr(message, "content", None), "content") or "",
        _text(getattr(message, "refusal", None), "refusal"),
        _text(getattr(choice, "finish_reason", None), "finish_reason"),
        prompt,
        produced,
        reused,
    )


def _check(raw: _Raw) -> ModelReply:
    """The parsed reply, or ReplyError for anything worth asking again."""
    if raw.refusal:
        raise ReplyError(f"the model refused: {_short(' '.join(plain(raw.refusal).split()))}")
    if raw.finish_reason == "length":
        raise ReplyError("the reply was cut off at max_tokens")
    if not raw.content.strip():
        raise ReplyError("the reply is empty")
    return parse_reply(raw.content)
