"""The data of a replay report. Every output format renders these models; ``--format json`` is
``ReplayReport.model_dump_json``, so the JSON is the contract the other formats are views of.
"""

from __future__ import annotations

from typing import Literal

from agent.bank.rubric import Dimension, SeniorProbe
from agent.models import Strict
from agent.replay.inputs import AskedProbe
from agent.session.policy import Outcome, Probe
from agent.session.summary import Summary

REPORT_VERSION = 2
"""2: a session misses one dimension, its weakest (1 counted every tied lowest one); the
candidate's practise_next is read off the question rows (practise_next_questions)."""


class DimensionResult(Strict):
    """One dimension of one re-graded answer."""

    dimension: Dimension
    score: int
    evidence: list[str]
    reason: str


class TurnReport(Strict):
    """One candidate answer, re-graded, beside what was asked and what the agent would ask."""

    turn: int
    line: int | None
    asked: str
    asked_dimension: Dimension | None
    answer: str
    grades: list[DimensionResult]
    recorded: dict[Dimension, int] | None
    """The scores written when the session ran (JSONL only), to compare with the re-grade."""
    fallback: bool
    notes: list[str]
    probe_asked: AskedProbe | None
    """The probe the interviewer actually asked after this answer (the one answered next)."""
    probes_skipped: list[AskedProbe]
    probe_now: Probe | None
    """The probe the agent would ask now, given the re-graded turns so far."""
    would_end: Outcome | None
    """Set when, on the re-graded scores, the agent would have ended the interview here."""
    best: dict[Dimension, int]
    """The running best score per dimension after this answer."""


class SessionReport(Strict):
    """One transcript, re-graded turn by turn, with its end-of-session summary."""

    id: str
    source: str
    format: Literal["jsonl", "text"]
    candidate: str
    question_id: str
    title: str
    question: str
    asked_question: str
    at: str
    recorded_grader: str | None
    recorded_outcome: Outcome | None
    warnings: list[str]
    turns: list[TurnReport]
    summary: Summary
    outcome_text: str
    practise: list[SeniorProbe]
    """Senior-layer probes not asked in the session, on dimensions still below 3."""


class DimensionMove(Strict):
    """How one dimension's final best moved from a candidate's first session to the last."""

    dimension: Dimension
    first: int
    last: int
    change: int
    missed: int
    """Sessions whose weakest dimension this was (the lowest below 3, ties in fixed order)."""


class QuestionTrend(Strict):
    """One candidate's sessions on one question, in date order."""

    question_id: str
    title: str
    sessions: list[str]
    """Session ids, oldest first."""
    first_at: str
    last_at: str
    dimensions: list[DimensionMove]
    practise_next: Dimension | None


class CandidateCohort(Strict):
    candidate: str
    sessions: int
    questions: list[QuestionTrend]
    missed: dict[Dimension, int]
    """Across all this candidate's sessions: how often each dimension was the weakest."""
    practise_next: Dimension | None
    """The dimension most of the question rows name as what to practise next."""
    practise_next_questions: int
    """How many question rows name ``practise_next``."""


class Cohort(Strict):
    """Per candidate and per question, how the four dimensions moved across sessions."""

    grouping: str
    candidates: list[CandidateCohort]


class ReplayReport(Strict):
    """Everything ``followup replay`` found, in every output format."""

    version: int = REPORT_VERSION
    followup_version: str
    grader: str
    model: str | None
    sessions: list[SessionReport]
    cohort: Cohort | None
    errors: list[str]
    """One line per transcript that could not be reported."""
