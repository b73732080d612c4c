"""The one place that turns grader settings into a backend.

``offline`` is the deterministic rubric grader. ``openai`` is a model behind any
OpenAI-compatible endpoint, wrapped so that a turn the model cannot grade is graded offline
and marked, and so that after ``max_failures`` failures in a row the model is not called again
(``FallbackBackend``). The model adapter is imported only when it is asked for:
the ``openai`` SDK takes a while to import and the offline path never needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import get_args

from agent.grading.backend import Backend
from agent.grading.fallback import SESSION_MAX_FAILURES, FallbackBackend
from agent.grading.offline import OfflineBackend
from agent.grading.settings import BackendName, LLMConfig, load_config

BACKEND_NAMES: tuple[str, ...] = get_args(BackendName)
MODEL_CONCURRENCY = 4
"""Cases an eval grades at once with a model backend (the offline grader runs one at a time)."""


def _offline(settings: LLMConfig, cache: bool, max_failures: int) -> Backend:
    return OfflineBackend()


def _openai(settings: LLMConfig, cache: bool, max_failures: int) -> Backend:
    from agent.grading.llm import OpenAIBackend, ReplyCache

    primary = OpenAIBackend(settings, cache=ReplyCache() if cache else None)
    endpoint = primary.base_url.rstrip("/")
    return FallbackBackend(primary, OfflineBackend(), max_failures, endpoint=endpoint)


_FACTORIES: dict[str, Callable[[LLMConfig, bool, int], Backend]] = {
    "offline": _offline,
    "openai": _openai,
}


def get_backend(
    settings: LLMConfig | None = None,
    *,
    cache: bool = False,
    max_failures: int = SESSION_MAX_FAILURES,
) -> Backend:
    """The backend the settings name (the offline grader when none are given).

    Args:
        settings: validated grader settings (see ``load_settings``).
        cache: keep model replies in the per-user disk cache (eval uses it; a practice session
            always asks the model).
        max_failures: model failures in a row after which this backend stops calling the
            model and grades offline (a session: 2; ``followup eval --max-failures``).
    """
    settings = settings or LLMConfig()
    return _FACTORIES[settings.backend](settings, cache, max_failures)


def load_settings(
    flags: Mapping[str, object], env: Mapping[str, str], config_file: Path | None = None
) -> LLMConfig:
    """Flags over environment over config file (see ``agent.grading.settings``).

    Raises:
        ConfigError: a bad config file, a bad value, or a model backend without a model.
    """
    return load_config(flags, env, config_file)


def default_concurrency(settings: LLMConfig) -> int:
    """How many eval cases to grade at once with this backend."""
    return 1 if settings.backend == "offline" else MODEL_CONCURRENCY
