"""The model backend: any OpenAI-compatible endpoint grades and words the probe in one call."""

from agent.grading.llm.cache import ReplyCache
from agent.grading.llm.openai_backend import OpenAIBackend

__all__ = ["OpenAIBackend", "ReplyCache"]
