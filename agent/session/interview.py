"""One interview: explicit state, one method per thing that can happen, named outcomes.

The REPL, the eval dialogue runner and the tests all drive this same object, so the rules are
exercised the same way everywhere. Every event is written to the transcript as it happens; when
the transcript cannot be written (a full disk), ``transcript_error`` says why, recording stops
and the interview goes on. An answer is stored and graded without control characters or escape
sequences, and on its first ``MAX_ANSWER_CHARS`` characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from agent.bank.rubric import Rubric
from agent.errors import TranscriptError
from agent.grading.backend import Assessment, Backend, Exchange, FallbackInfo
from agent.grading.grade import Grade
from agent.session.policy import (
    DEFAULT_MAX_TURNS,
    Outcome,
    PolicyState,
    Probe,
    choose_probe,
    step,
)
from agent.session.transcript import (
    AnswerEvent,
    EndEvent,
    GradeEvent,
    ProbeEvent,
    QuestionEvent,
    SessionEvent,
    SkipEvent,
    TranscriptWriter,
)
from agent.text import plain

MAX_ANSWER_CHARS = 50_000
"""What is graded of one answer (a pasted essay is cut here, and the candidate told)."""


@dataclass
class Turn:
    """One answered line of the conversation."""

    asked: str
    target: Probe | None
    answer: str
    assessment: Assessment
    probe_after: Probe | None = None


@dataclass
class TurnResult:
    grade: Grade
    probe: Probe | None
    outcome: Outcome | None
    fallback: bool
    notes: list[str] = field(default_factory=list)
    fallback_info: FallbackInfo | None = None
    """Why the fallback graded this turn, and whether the model is still called."""
    cut: str | None = None
    """Set when the answer was longer than what is graded (the note says so)."""


class Interview:
    """A single-question interview with its policy state.

    Args:
        rubric: the question.
        backend: grades answers (and may word probes).
        max_turns: answers allowed before the interview ends out of turns.
        writer: where events are written as they happen (None: not recorded).
        loop_id: the mock interview loop the question is part of (recorded; None for a chat).
        time_limit: seconds allowed from the question being asked (None: no limit). An answer
            sent after the limit is still graded, then the interview ends ``out-of-time``
            instead of probing; ``expire`` ends it between answers.
        clock: seconds from any fixed point (``time.monotonic``); tests pass a fake one.
    """

    def __init__(
        self,
        rubric: Rubric,
        backend: Backend,
        max_turns: int = DEFAULT_MAX_TURNS,
        writer: TranscriptWriter | None = None,
        *,
        loop_id: str | None = None,
        time_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_turns < 1:
            raise ValueError("max_turns must be at least 1")
        if time_limit is not None and time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self.rubric = rubric
        self.backend = backend
        self.max_turns = max_turns
        self.writer = writer
        self.loop_id = loop_id
        self.time_limit = time_limit
        self.clock = clock
        self.started: float | None = None
        self.finished: float | None = None
        self.state = PolicyState()
        self.turns: list[Turn] = []
        self.current: Probe | None = None
        self.outcome: Outcome | None = None
        self.transcript_error: str | None = None
        """Why the transcript stopped being written (None while it is written)."""
        self._opened = False

    def _emit(self, event: BaseModel) -> None:
        if self.writer is None:
            return
        try:
            self.writer.write(event)
        except TranscriptError as exc:
            self.transcript_error = str(exc)
            self.writer = None

    @property
    def asked(self) -> str:
        """The line the candidate is answering now."""
        return self.current.text if self.current else self.rubric.question

    def open(self) -> str:
        """Start the interview; returns the question."""
        if not self._opened:
            self._opened = True
            self.started = self.clock()
            self._emit(
                SessionEvent(
                    question_id=self.rubric.id,
                    grader=self.backend.name,
                    model=self.backend.model,
                    max_turns=self.max_turns,
                    loop_id=self.loop_id,
                    time_limit=self.time_limit,
                )
            )
            self._emit(QuestionEvent(text=self.rubric.question))
        return self.rubric.question

    def elapsed(self) -> float:
        """Seconds from the question being asked to now, or to the end (0 before it is)."""
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else self.clock()
        return max(end - self.started, 0.0)

    def remaining(self) -> float | None:
        """Seconds left on the time limit (None without one; never below 0)."""
        if self.time_limit is None:
            return None
        return max(self.time_limit - self.elapsed(), 0.0)

    def out_of_time(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def expire(self) -> bool:
        """End the interview ``out-of-time`` if its limit has run out; True if it did."""
        if self.outcome is None and self._opened and self.out_of_time():
            self._end(Outcome.OUT_OF_TIME)
            return True
        return False

    def answer(self, text: str) -> TurnResult:
        """Grade an answer to the current line and choose what comes next."""
        if self.outcome is not None:
            raise RuntimeError(f"the interview is over ({self.outcome})")
        self.open()
        text, cut = _graded_part(text)
        turn_no = len(self.turns) + 1
        self._emit(AnswerEvent(turn=turn_no, text=text))
        history = [Exchange(asked=t.asked, answer=t.answer) for t in self.turns]
        request = self.state.request(text, self.asked, history, self.current is not None)
        assessment = self.backend.assess(self.rubric, request)
        if cut:
            assessment = assessment.model_copy(update={"notes": [cut, *assessment.notes]})
        self._emit(
            GradeEvent(
                turn=turn_no,
                grade=assessment.grade,
                conversation=assessment.conversation,
                fallback=assessment.fallback,
                notes=assessment.notes,
                usage=assessment.usage,
            )
        )
        target = self.current
        turn = Turn(self.asked, target, text, assessment)
        self.turns.append(turn)
        after = step(
            self.rubric,
            self.state,
            assessment,
            target.dimension if target else None,
            self.max_turns,
        )
        outcome, probe = after.outcome, after.probe
        if outcome is None and self.out_of_time():
            outcome, probe = Outcome.OUT_OF_TIME, None  # graded, but no time for a probe
        if probe is not None:
            self._ask(probe, turn_no)
        turn.probe_after = probe
        if outcome is not None:
            self._end(outcome)
        notes = list(assessment.notes)
        return TurnResult(
            assessment.grade,
            probe,
            outcome,
            assessment.fallback,
            notes,
            assessment.fallback_info,
            cut,
        )

    def _ask(self, probe: Probe, turn_no: int) -> None:
        self.state.asked.append(probe.base_text)
        self.current = probe
        self._emit(
            ProbeEvent(
                turn=turn_no, dimension=probe.dimension, text=probe.text, source=probe.source
            )
        )

    def skip(self) -> tuple[Probe | None, Outcome | None]:
        """The candidate passes on the current probe: its dimension is set aside."""
        if self.outcome is not None:
            raise RuntimeError(f"the interview is over ({self.outcome})")
        if self.current is None:
            return None, None
        skipped = self.current.dimension
        self.state.put_aside(skipped)
        self._emit(SkipEvent(turn=len(self.turns), dimension=skipped))
        last = self.turns[-1].assessment if self.turns else None
        probe = choose_probe(self.rubric, self.state, last) if last is not None else None
        if probe is None:
            self._end(Outcome.STALLED)
            return None, Outcome.STALLED
        self._ask(probe, len(self.turns))
        return probe, None

    def quit(self) -> Outcome:
        """The candidate ends the interview."""
        if self.outcome is None:
            self.open()
            self._end(Outcome.QUIT)
        assert self.outcome is not None
        return self.outcome

    def _end(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.finished = self.clock()
        self.current = None
        self._emit(
            EndEvent(
                outcome=outcome,
                answers=len(self.turns),
                best=dict(self.state.best),
                elapsed=round(self.elapsed(), 1),
            )
        )
        if self.writer is not None:
            self.writer.close()


def _graded_part(text: str) -> tuple[str, str | None]:
    """The answer as it is stored and graded, and a note when it had to be cut."""
    text = plain(text)
    if len(text) <= MAX_ANSWER_CHARS:
        return text, None
    note = (
        f"the answer has {len(text):,} characters; only the first {MAX_ANSWER_CHARS:,} were graded"
    )
    return text[:MAX_ANSWER_CHARS], note
