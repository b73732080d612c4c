"""The data of a progress report. Text and HTML render these models; ``--format json`` is
``ProgressReport.model_dump_json``, so the JSON is the contract the other formats are views of.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from agent.bank.rubric import Dimension
from agent.models import Strict
from agent.session.policy import Outcome

REPORT_VERSION = 1

Direction = Literal["up", "down", "flat", "new", "none"]
"""``new``: one week of practice so far; ``none``: no finished conversation."""


class ConversationEntry(Strict):
    """One saved conversation: the question, when it started, how it ended, its scores."""

    question: str
    """The question id."""
    question_text: str
    topic: str | None
    started: str
    """ISO 8601, as the transcript recorded it."""
    day: date
    """The local calendar day it started on (what the schedule counts in)."""
    outcome: Outcome | None
    """None: unfinished (the transcript has no end event)."""
    scores: dict[Dimension, int] | None
    """The conversation's best score per dimension, from its end event."""
    answers: int
    loop_id: str | None
    """Set for a question of a ``followup mock`` loop."""
    source: str
    session_id: str


class WeekPoint(Strict):
    week: date
    """The Monday the week starts on."""
    mean: float
    conversations: int


class Trend(Strict):
    """How one dimension's conversation scores moved, week by week."""

    dimension: Dimension
    weeks: list[WeekPoint]
    """Mean score per week with finished conversations, oldest first."""
    first: float | None
    latest: float | None
    change: float | None
    """``latest - first``: the latest week's mean against the first week's."""
    direction: Direction
    """``up``/``down`` when the change is at least 0.25 either way, else ``flat``."""


class TopicProgress(Strict):
    topic: str
    """A bank topic, or ``other`` for questions this bank does not have."""
    conversations: int
    questions: list[str]
    dimensions: list[Trend]


class DueEntry(Strict):
    """A question's next review (see ``agent.progress.schedule``)."""

    question: str
    due: date
    overdue_days: int
    """Days past due as of the report's date (0: due today; negative: not due yet)."""
    last: date
    last_outcome: Outcome | None
    streak: int
    interval: int
    conversations: int


class NextStep(Strict):
    """What to practise next: a question and a dimension, with the reason."""

    question: str
    dimension: Dimension
    reason: str
    topic: str | None
    question_text: str
    last_probe: str | None
    """The last probe on this dimension in the question's latest conversation."""
    to_reach: str | None
    """What the rubric asks for the next level on this dimension."""
    command: str


class ProgressReport(Strict):
    """Everything ``followup progress`` shows, in every output format."""

    version: int = REPORT_VERSION
    followup_version: str
    as_of: date
    conversations: list[ConversationEntry]
    """Oldest first."""
    questions: int
    dimensions: list[Trend]
    topics: list[TopicProgress]
    next: NextStep | None
    due: list[DueEntry]
    """Questions due for review on ``as_of`` or before, most overdue first."""
    schedule: list[DueEntry]
    """Every practised question's next review, earliest first (``due`` is its head)."""
    skipped: list[str]
    """One line per file that could not be read (or was read with a warning)."""
