"""The model backend over any OpenAI-compatible chat-completions endpoint.

This is the only module that imports ``openai``. One turn is one call in the common case: the
rendered prompt (``agent.grading.llm.turn``) asks for the newest answer's grades, the whole
conversation's and the next probe together (eval's canned answers: the scores only). The reply
schema travels in ``response_format``; the prompt spells it out only in a mode that may not
carry it (``json_object``, plain prompting).

Who retries what:

* The SDK retries transport faults itself (429 honouring Retry-After, 5xx, timeouts,
  connection errors), ``max_retries`` times.
* One tenacity policy, here, retries what the SDK cannot see: a reply that is not valid JSON or
  does not fit the schema, a refusal, a reply cut off at ``max_tokens``. The retry tells the
  model what was wrong with its previous reply. A 200 whose body is not a chat completion at
  all (a proxy's HTML page, ``"message": null``, no ``choices``) is retried the same way: the
  SDK builds its response objects without validating them, so ``_unpack`` checks every field
  it reads.
* With ``structured_output = "auto"`` (the default), the mode is negotiated once per backend
  instance: ``json_schema`` first; an error
  naming ``response_format``/``json_schema`` (llama-cpp-python answers a 500 carrying its
  validation error) switches to ``{"type": "json_object", "schema": ...}``, and a rejection of
  that to plain prompting. Until a mode has worked once, requests go out without SDK retries,
  so a rejection costs one call rather than ``1 + max_retries``; any other failure of such a
  request is sent again with the SDK's retries. Every reply is validated whatever the server
  claims to enforce. A pinned mode is never negotiated: when the server rejects it, the turn
  fails (and is graded offline) with the reason in its notes.

When all of that fails, ``assess`` raises ``BackendFailure``; ``FallbackBackend`` decides
what happens then (the registry grades such a turn offline and marks it ``fallback``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessage, ChatCompletionMessageParam
from openai.types.chat.chat_completion import Choice
from tenacity import (
    RetryError,
    Retrying,
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

Mode = Literal["json_schema", "json_object", "prompt"]
_NEXT_MODE: dict[Mode, Mode] = {"json_schema": "json_object", "json_object": "prompt"}
SCHEMA_NAME = "turn_assessment"


def default_retrying(reply_retries: int) -> Retrying:
    """The one retry policy for unusable replies: a few quick attempts, then give up."""
    return Retrying(
        retry=retry_if_exception_type(ReplyError),
        stop=stop_after_attempt(1 + reply_retries),
        wait=wait_exponential(multiplier=0.5, max=4),
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


class OpenAIBackend:
    """Grades answers and words probes with a model behind an OpenAI-compatible endpoint.

    Args:
        config: model, endpoint, key, timeouts and retry counts.
        client: an ``openai.OpenAI`` to use instead of building one (tests, custom transports).
        retrying: the tenacity policy for unusable replies (tests pass one that does not sleep).
        cache: a reply cache (None: always call).
    """

    name = "openai"

    def __init__(
        self,
        config: LLMConfig,
        *,
        client: openai.OpenAI | None = None,
        retrying: Retrying | None = None,
        cache: ReplyCache | None = None,
    ) -> None:
        if not config.model:
            raise ValueError("the openai backend needs a model")
        self.model: str | None = config.model
        self._model = config.model
        self._config = config
        self._client = client or openai.OpenAI(
            api_key=config.api_key.get_secret_value() if config.api_key else None,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=config.max_retries,
        )
        self._retrying = retrying or default_retrying(config.reply_retries)
        self._cache = cache
        self._lock = threading.Lock()
        self._mode: Mode = "json_schema"
        self._confirmed = False
        """True once a request in the current mode succeeded (no more negotiation)."""
        if config.structured_output != "auto":
            self._mode = config.structured_output
            self._confirmed = True
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

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        """Grade one answer and word the next probe.

        Raises:
            BackendFailure: no usable reply after every retry; carries the usage spent.
        """
        prompt = build_prompt(rubric, request)
        spent: list[Usage] = []
        try:
            reply = self._reply(prompt, spent)
        except BackendFailure as exc:
            usage = sum(spent, Usage())
            self._add(usage)
            raise BackendFailure(exc.reason, usage) from exc
        usage = sum(spent, Usage())
        self._add(usage)
        checked = verify(reply, rubric, request)
        return Assessment(
            grade=checked.grade,
            conversation=checked.conversation,
            probe=checked.probe,
            notes=checked.notes,
            usage=usage,
        )

    def _add(self, usage: Usage) -> None:
        with self._lock:
            self.usage = self.usage + usage

    def _parameters(self, prompt: TurnPrompt) -> dict[str, object]:
        return {
            "temperature": self._config.temperature,
            "max_tokens": self._config.max_tokens,
            "schema": prompt.schema,
        }

    def _reply(self, prompt: TurnPrompt, spent: list[Usage]) -> ModelReply:
        key = None
        if self._cache is not None:
            key = cache_key(self._model, self.base_url, prompt.messages, self._parameters(prompt))
            hit = self._cache.get(key)
            if hit is not None:
                try:
                    reply = parse_reply(hit.content)
                except ReplyError:
                    pass
                else:
                    spent.append(
                        Usage(
                            cached=1,
                            prompt_tokens=hit.prompt_tokens,
                            cached_tokens=hit.cached_tokens,
                            completion_tokens=hit.completion_tokens,
                        )
                    )
                    return reply
        previous: list[dict[str, str]] = []

        def attempt() -> tuple[ModelReply, _Raw]:
            raw = self._call(prompt, previous, spent)
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
            raise BackendFailure(str(exc)) from exc
        except RetryError as exc:  # an injected policy without reraise=True
            raise BackendFailure(str(exc.last_attempt.exception())) from exc
        except openai.OpenAIError as exc:
            raise BackendFailure(_describe(exc)) from exc
        if self._cache is not None and key is not None:
            self._cache.put(key, raw.cached())
        return reply

    def _call(self, prompt: TurnPrompt, previous: list[dict[str, str]], spent: list[Usage]) -> _Raw:
        """One chat completion, after negotiating the structured-output mode if need be.

        ``previous`` is what follows the prompt on a retry: the unusable reply and why.
        """
        sdk_retries = False
        while True:
            mode = self._mode
            probing = not self._confirmed and not sdk_retries
            client = self._client.with_options(max_retries=0) if probing else self._client
            response_format = _response_format(mode, prompt.schema)
            messages = prompt.sent(_schema_in_text(mode)) + previous
            extra = {"response_format": response_format} if response_format else None
            spent.append(Usage(calls=1))
            try:
                completion = client.chat.completions.create(
                    model=self._model,
                    messages=_typed(messages),
                    temperature=self._config.temperature,
                    max_tokens=self._config.max_tokens,
                    extra_body=extra,
                )
            except json.JSONDecodeError:
                # The SDK parses a JSON content type itself and lets a broken body through.
                raise ReplyError("the server's reply is not valid JSON") from None
            except openai.APIStatusError as exc:
                if mode in _NEXT_MODE and _rejects_format(exc):
                    if self._config.structured_output != "auto":  # pinned: no negotiation
                        raise BackendFailure(
                            f"HTTP {exc.status_code}: the server rejects the pinned "
                            f"structured_output {mode!r}"
                        ) from exc
                    with self._lock:
                        if self._mode == mode:
                            self._mode = _NEXT_MODE[mode]
                    continue
                if probing and _transient(exc):
                    sdk_retries = True
                    continue
                raise
            except (openai.APIConnectionError, openai.APITimeoutError):
                if probing:
                    sdk_retries = True
                    continue
                raise
            break
        with self._lock:
            if self._mode == mode:
                self._confirmed = True
        return _unpack(completion, spent)


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
        raise ReplyError(f"the model refused: {raw.refusal}")
    if raw.finish_reason == "length":
        raise ReplyError("the reply was cut off at max_tokens")
    if not raw.content.strip():
        raise ReplyError("the reply is empty")
    return parse_reply(raw.content)


def _describe(exc: openai.OpenAIError) -> str:
    """A one-line reason that never carries request headers (so never the key)."""
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "cannot reach the server"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    return type(exc).__name__
