"""Grading: the ``Backend`` protocol and its types, the registry, and the graders behind it.

``grading.offline`` (rules over the rubric) and ``grading.llm`` (a model) are siblings that
never import each other; ``registry.get_backend`` is the one place that builds either.
"""

from agent.grading.backend import (
    Assessment,
    Backend,
    BackendFailure,
    Exchange,
    SuggestedProbe,
    TurnRequest,
    Usage,
)
from agent.grading.fallback import FallbackBackend
from agent.grading.grade import DimensionGrade, Grade
from agent.grading.registry import BACKEND_NAMES, default_concurrency, get_backend
from agent.grading.scripted import ScriptedBackend, ScriptExhausted
from agent.grading.settings import LLMConfig, load_config

__all__ = [
    "BACKEND_NAMES",
    "Assessment",
    "Backend",
    "BackendFailure",
    "DimensionGrade",
    "Exchange",
    "FallbackBackend",
    "Grade",
    "LLMConfig",
    "ScriptExhausted",
    "ScriptedBackend",
    "SuggestedProbe",
    "TurnRequest",
    "Usage",
    "default_concurrency",
    "get_backend",
    "load_config",
]
