"""Practice across sessions: the saved conversations, their trends, the review schedule, what
to practise next, and the report that shows them (``followup progress``)."""

from agent.progress.history import History, Record, read_history, transcript_files
from agent.progress.model import (
    ConversationEntry,
    DueEntry,
    NextStep,
    ProgressReport,
    TopicProgress,
    Trend,
    WeekPoint,
)
from agent.progress.render import FORMATS, chart, render
from agent.progress.report import build_report, next_step, progress_report, trend
from agent.progress.schedule import INTERVALS, Review, due_on, review, schedule

__all__ = [
    "FORMATS",
    "INTERVALS",
    "ConversationEntry",
    "DueEntry",
    "History",
    "NextStep",
    "ProgressReport",
    "Record",
    "Review",
    "TopicProgress",
    "Trend",
    "WeekPoint",
    "build_report",
    "chart",
    "due_on",
    "next_step",
    "progress_report",
    "read_history",
    "render",
    "review",
    "schedule",
    "transcript_files",
    "trend",
]
