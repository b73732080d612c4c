"""A mock interview loop: several questions in one sitting, drawn across topics.

A real loop covers ground: one question each from fundamentals, evaluation, ensembles or
debugging, and production or projects (``SLOTS``, repeated for longer loops). Each question is
its own ``Interview`` under the same policy as ``followup chat``, with its own probes, outcome
and transcript; the transcripts share one ``loop_id``. The loop's report lists per question the
outcome and the four scores, and the one dimension to practise.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.backend import Backend
from agent.models import Strict
from agent.session.interview import Interview
from agent.session.policy import DEFAULT_MAX_TURNS, Outcome
from agent.session.summary import summarize
from agent.session.transcript import TranscriptWriter

DEFAULT_QUESTIONS = 4
SLOTS: tuple[tuple[str, ...], ...] = (
    ("fundamentals",),
    ("evaluation",),
    ("ensembles", "debugging"),
    ("production", "projects"),
)
"""The topics of a loop's questions, in order; a slot of two topics takes one of them."""


def new_loop_id() -> str:
    return uuid.uuid4().hex[:8]


def _slots(count: int) -> list[tuple[str, ...]]:
    return [SLOTS[i % len(SLOTS)] for i in range(count)]


def _take_slot(slots: list[tuple[str, ...]], topic: str) -> None:
    """A question already chosen uses up the first open slot of its topic (else the last)."""
    for i, slot in enumerate(slots):
        if topic in slot:
            del slots[i]
            return
    if slots:
        slots.pop()


def draw_questions(
    rubrics: Sequence[Rubric],
    count: int = DEFAULT_QUESTIONS,
    *,
    topic: str | None = None,
    seed: int | None = None,
    first: Sequence[str] = (),
) -> list[Rubric]:
    """The questions of a loop, in the order they are asked.

    Args:
        rubrics: the bank's questions.
        count: how many; fewer come back when the pool (the bank, or the topic) is smaller.
        topic: draw only from this topic (the slots are then ignored).
        seed: makes the draw repeatable.
        first: question ids to ask first, in order (e.g. the ones due for review); ids not in
            the pool are ignored. Each uses up the slot of its topic, so the rest still spread.
    """
    rng = random.Random(seed)
    pool = [r for r in rubrics if topic is None or r.topic == topic]
    by_id = {r.id: r for r in pool}
    chosen = [by_id[q] for q in dict.fromkeys(first) if q in by_id][:count]
    slots = _slots(count)
    for rubric in chosen:
        _take_slot(slots, rubric.topic)
    while len(chosen) < count:
        left = [r for r in pool if r not in chosen]
        if not left:
            break
        slot = slots.pop(0) if slots else ()
        topics = sorted({r.topic for r in left if topic is not None or r.topic in slot})
        if topics:
            pick = rng.choice(topics)
            left = [r for r in left if r.topic == pick]
        chosen.append(rng.choice(left))
    return chosen


class LoopQuestion(Strict):
    """One asked question of the loop, as its report shows it."""

    number: int
    question_id: str
    topic: str
    outcome: Outcome
    answers: int
    best: dict[Dimension, int]
    weakest: Dimension | None
    elapsed: float
    transcript: str | None


class LoopReport(Strict):
    loop_id: str
    questions: list[LoopQuestion]
    not_asked: list[str]
    """Questions the loop planned but never reached (the candidate ended it)."""
    practise_next: Dimension | None
    """The dimension lowest across the loop (mean best score; ties in the fixed order)."""
    reason: str


def practise_next(questions: Sequence[LoopQuestion]) -> tuple[Dimension | None, str]:
    """The loop's one dimension to practise, and why (None when every score is 3)."""
    if not questions:
        return None, "no question was answered"
    means = {d: sum(q.best[d] for q in questions) / len(questions) for d in DIMENSIONS}
    lowest = min(DIMENSIONS, key=lambda d: (means[d], DIMENSIONS.index(d)))
    if means[lowest] >= 3:
        return None, "every question reached 3 on every dimension"
    weakest_in = sum(1 for q in questions if q.weakest == lowest)
    return lowest, (
        f"your lowest across the loop: {means[lowest]:.1f}/3 on average over "
        f"{len(questions)} question(s), the weakest dimension in {weakest_in} of them"
    )


class MockLoop:
    """The loop's questions, asked one after the other, each a fresh ``Interview``.

    Args:
        rubrics: the questions, in order (see ``draw_questions``).
        backend: grades every question.
        max_turns: answers allowed per question.
        time_limit: seconds per question (None: no limit).
        clock: passed to each interview (tests pass a fake one).
        writer_for: opens the transcript of a question as it is asked (None: not recorded).
        loop_id: links the questions' transcripts (default: a new id).
    """

    def __init__(
        self,
        rubrics: Sequence[Rubric],
        backend: Backend,
        *,
        max_turns: int = DEFAULT_MAX_TURNS,
        time_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        writer_for: Callable[[Rubric], TranscriptWriter] | None = None,
        loop_id: str | None = None,
    ) -> None:
        self.rubrics = list(rubrics)
        self.backend = backend
        self.max_turns = max_turns
        self.time_limit = time_limit
        self.clock = clock
        self.writer_for = writer_for
        self.loop_id = loop_id or new_loop_id()
        self.asked: list[Interview] = []

    def interviews(self) -> Iterator[Interview]:
        """Each question's interview, created (and its transcript opened) as it comes up.

        The caller runs each to its outcome; stopping the iteration ends the loop there.
        """
        for rubric in self.rubrics:
            interview = Interview(
                rubric,
                self.backend,
                max_turns=self.max_turns,
                writer=self.writer_for(rubric) if self.writer_for else None,
                loop_id=self.loop_id,
                time_limit=self.time_limit,
                clock=self.clock,
            )
            self.asked.append(interview)
            yield interview

    def result(self, number: int, interview: Interview) -> LoopQuestion:
        """One asked question's line of the report (``number`` counts from 1)."""
        summary = summarize(interview)
        writer = interview.writer
        return LoopQuestion(
            number=number,
            question_id=interview.rubric.id,
            topic=interview.rubric.topic,
            outcome=summary.outcome,
            answers=summary.answers,
            best=dict(interview.state.best),
            weakest=summary.weakest,
            elapsed=round(interview.elapsed(), 1),
            transcript=str(writer.path) if writer else None,
        )

    def report(self) -> LoopReport:
        """What the loop came to: every asked question (an unfinished one ends ``quit``)."""
        for interview in self.asked:
            if interview.outcome is None:
                interview.quit()
        questions = [self.result(n, i) for n, i in enumerate(self.asked, start=1)]
        dimension, reason = practise_next(questions)
        return LoopReport(
            loop_id=self.loop_id,
            questions=questions,
            not_asked=[r.id for r in self.rubrics[len(self.asked) :]],
            practise_next=dimension,
            reason=reason,
        )
