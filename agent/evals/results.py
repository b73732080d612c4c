"""What an eval run produces, typed: per-case verdicts, metrics, gate checks, the report.

The JSON report (``followup eval --json``) is ``EvalReport.model_dump_json``; it carries a
format ``version``, bumped whenever a field changes meaning or goes away (version 2:
``usage.calls`` counts every HTTP request, retries included; ``stopped`` is new).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agent.bank.rubric import Dimension
from agent.grading.backend import Usage
from agent.models import Strict

REPORT_VERSION = 2


class AnswerVerdict(Strict):
    """Four scores and the dimension the next probe targets (``none`` when all are 3)."""

    scores: dict[Dimension, int]
    probe: str


class DialogueVerdict(Strict):
    """The dimensions probed, in order, and how the conversation ended."""

    probes: list[Dimension]
    outcome: str


class Unscored(Strict):
    """An answer case the backend could not grade: never a score."""

    error: str


class UnscoredDialogue(Strict):
    """A dialogue the backend could not finish, with the probes asked before it stopped."""

    error: str
    probes: list[Dimension]


class AnswerExpected(AnswerVerdict):
    """The gold verdict, and the raw labels it was made from (in labeller order)."""

    labels: list[dict[Dimension, int]] = Field(default_factory=list)


Expected = AnswerExpected | DialogueVerdict
Got = AnswerVerdict | DialogueVerdict | Unscored | UnscoredDialogue


class CaseResult(Strict):
    id: str
    suite: str
    question: str
    kind: Literal["answer", "dialogue"]
    expected: Expected
    got: Got
    passed: bool
    unscored: bool = False
    ungraded: bool = False
    """Unscored by design: the backend cannot grade such an answer (another language for the
    offline grader). Reported, but not a failure of the run."""
    known_failure: str | None = None
    differences: list[str] = Field(default_factory=list)
    usage: Usage | None = None
    """Model calls and tokens for this case (None with the offline grader)."""

    @property
    def error(self) -> str | None:
        """Why the case is unscored (None when it was graded)."""
        return self.got.error if isinstance(self.got, Unscored | UnscoredDialogue) else None


class DimensionMetrics(Strict):
    exact: float
    within_one: float
    qwk: float
    bias: float


class Metrics(Strict):
    answers: int
    exact: float
    within_one: float
    qwk: float
    probe_accuracy: float
    unscored: int
    """Cases the backend failed to grade (what the ``max_unscored`` gate limits)."""
    ungraded: int = 0
    """Cases the backend cannot grade by design (reported with the reason, never as zeros)."""
    unscored_answers: int = 0
    per_dimension: dict[str, DimensionMetrics]
    per_labeller: dict[str, DimensionMetrics] = Field(default_factory=dict)
    """The grader against each raw label, pooled (cases that carry labels), per dimension."""
    human: dict[str, DimensionMetrics] = Field(default_factory=dict)
    """The first two labellers of each case against each other: the ceiling to compare with."""
    dialogues: int
    dialogues_passed: int
    dialogues_known_failures: int = 0
    """Dialogues marked ``known_failure`` that failed, as expected (not counted as passed)."""
    dialogues_unexpectedly_passed: int = 0
    """Dialogues marked ``known_failure`` that passed: the marker is stale and must go."""
    usage: Usage | None = None
    """Model calls and tokens summed over the cases (None with the offline grader)."""


class GateCheck(Strict):
    name: str
    value: float
    threshold: float
    passed: bool


class EvalReport(Strict):
    """The JSON report (a contract: version, suites, grader, metrics, cases)."""

    version: int = REPORT_VERSION
    suites: list[str]
    grader: str
    model: str | None = None
    metrics: Metrics
    per_suite: dict[str, Metrics] = Field(default_factory=dict)
    gates: list[GateCheck] = Field(default_factory=list)
    cases: list[CaseResult]
    stopped: str | None = None
    """Why the run stopped calling the model before every case was graded (None: it did not);
    each case it did not grade is unscored with the reason."""
