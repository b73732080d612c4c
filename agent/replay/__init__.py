"""Replay: read saved or pasted transcripts, re-grade them, and render a coach's report."""

from agent.replay.inputs import STDIN, Conversation, discover, read_conversation
from agent.replay.model import ReplayReport, SessionReport
from agent.replay.regrade import regrade, replay, resolve_rubric
from agent.replay.render import FORMATS, render

__all__ = [
    "FORMATS",
    "STDIN",
    "Conversation",
    "ReplayReport",
    "SessionReport",
    "discover",
    "read_conversation",
    "regrade",
    "render",
    "replay",
    "resolve_rubric",
]
