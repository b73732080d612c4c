"""From the saved conversations to a progress report: trends, the schedule, what to practise next.

Scores are each conversation's best per dimension as its transcript's end event recorded them;
an unfinished conversation counts for the schedule (as a miss) but not for the trends.

What to practise next, in order:

1. The dimension: your weakest, the lowest mean over the latest finished conversation of each
   question you practised (ties in the fixed order definition, implication, example, tradeoff).
2. The question: among those due for review, the one lowest on that dimension last time (ties:
   the most overdue); when none is due, among those whose latest conversation did not reach
   senior; when every practised question is holding, a question you have not practised yet,
   from the topic you practised least.
3. On that question, the weakest dimension itself, unless it already reached 3 there: then the
   question's own lowest dimension.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta, tzinfo
from pathlib import Path

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.progress.history import History, Record, read_history
from agent.progress.model import (
    ConversationEntry,
    Direction,
    DueEntry,
    NextStep,
    ProgressReport,
    TopicProgress,
    Trend,
    WeekPoint,
)
from agent.progress.schedule import Review, by_question, due_on, local_day, schedule
from agent.session.policy import Outcome
from agent.version import __version__

MOVED = 0.25
"""A change in the weekly mean at least this large is a move up or down."""
OTHER_TOPIC = "other"


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def trend(dim: Dimension, records: Iterable[Record], tz: tzinfo | None) -> Trend:
    """One dimension's weekly means over the finished conversations."""
    weeks: dict[date, list[int]] = defaultdict(list)
    for record in records:
        if record.scores is not None:
            weeks[week_of(local_day(record, tz))].append(record.scores[dim])
    points = [
        WeekPoint(week=w, mean=round(sum(s) / len(s), 2), conversations=len(s))
        for w, s in sorted(weeks.items())
    ]
    if not points:
        return Trend(
            dimension=dim, weeks=[], first=None, latest=None, change=None, direction="none"
        )
    first, latest = points[0].mean, points[-1].mean
    change = round(latest - first, 2)
    direction: Direction = "new"
    if len(points) > 1:
        direction = "up" if change >= MOVED else "down" if change <= -MOVED else "flat"
    return Trend(
        dimension=dim, weeks=points, first=first, latest=latest, change=change, direction=direction
    )


def _topics(records: Sequence[Record], tz: tzinfo | None) -> list[TopicProgress]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        groups[record.topic or OTHER_TOPIC].append(record)
    return [
        TopicProgress(
            topic=topic,
            conversations=len(group),
            questions=sorted({r.question for r in group}),
            dimensions=[trend(d, group, tz) for d in DIMENSIONS],
        )
        for topic, group in sorted(groups.items())
    ]


def _entry(record: Record, tz: tzinfo | None) -> ConversationEntry:
    return ConversationEntry(
        question=record.question,
        question_text=record.question_text,
        topic=record.topic,
        started=record.started.isoformat(),
        day=local_day(record, tz),
        outcome=record.outcome,
        scores=record.scores,
        answers=record.answers,
        loop_id=record.loop_id,
        source=record.source,
        session_id=record.session_id,
    )


def _due_entry(review: Review, today: date) -> DueEntry:
    return DueEntry(
        question=review.question,
        due=review.due,
        overdue_days=(today - review.due).days,
        last=review.last,
        last_outcome=review.last_outcome,
        streak=review.streak,
        interval=review.interval,
        conversations=review.conversations,
    )


def latest_finished(records: Iterable[Record]) -> dict[str, Record]:
    """Each question's latest conversation that has scores."""
    latest: dict[str, Record] = {}
    for question, group in by_question(records).items():
        finished = [r for r in group if r.scores is not None]
        if finished:
            latest[question] = finished[-1]
    return latest


def weakest(latest: Mapping[str, Record]) -> tuple[Dimension, float] | None:
    """The dimension lowest on average over each question's latest scores, and that mean."""
    scored = [r.scores for r in latest.values() if r.scores is not None]
    if not scored:
        return None
    means = {d: sum(s[d] for s in scored) / len(scored) for d in DIMENSIONS}
    low = min(DIMENSIONS, key=lambda d: (means[d], DIMENSIONS.index(d)))
    return low, means[low]


def _score(latest: Mapping[str, Record], question: str, dim: Dimension) -> int:
    scores = latest[question].scores if question in latest else None
    return scores[dim] if scores else 0


def _dimension_on(latest: Mapping[str, Record], question: str, dim: Dimension) -> Dimension:
    """The weakest dimension overall, unless it reached 3 on this question: then its lowest."""
    if _score(latest, question, dim) < 3 or question not in latest:
        return dim
    return min(DIMENSIONS, key=lambda d: (_score(latest, question, d), DIMENSIONS.index(d)))


def _new_question(records: Sequence[Record], bank: Bank) -> str | None:
    """A question not practised yet, from the topic practised least (bank order within it)."""
    practised = {r.question for r in records}
    fresh = [r for r in bank.rubrics.values() if r.id not in practised]
    if not fresh:
        return None
    per_topic = Counter(r.topic for r in records)
    return min(fresh, key=lambda r: per_topic[r.topic]).id


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _why_question(kind: str, review: Review | None, today: date, topic: str | None) -> str:
    if kind == "new":
        return (
            "every question you practised is holding at senior; this one is new to you, from "
            f"{topic or OTHER_TOPIC}, the topic you practised least"
        )
    assert review is not None
    outcome = review.last_outcome.value if review.last_outcome else "unfinished"
    last = f"last practised {review.last}, {outcome}"
    if kind == "due":
        late = (today - review.due).days
        when = f"overdue by {_days(late)}" if late > 0 else "due today"
        return f"due for review since {review.due}, {when}; {last}"
    if kind == "missed":
        return f"it did not reach senior last time ({last}); it comes due on {review.due}"
    return f"every question you practised is holding; this one comes due first, on {review.due}"


def _why_dimension(
    latest: Mapping[str, Record], question: str, dim: Dimension, weak: tuple[Dimension, float]
) -> str:
    if question not in latest:
        return f"{weak[0].value} is your weakest dimension ({weak[1]:.1f}/3 on average)"
    score = f"{dim.value} was {_score(latest, question, dim)}/3 there last time"
    if dim != weak[0]:
        return f"{score}, its lowest (your weakest overall, {weak[0].value}, reached 3 on it)"
    return (
        f"{score}, and {dim.value} is your weakest dimension overall ({weak[1]:.1f}/3 on "
        f"average over the latest conversation on each of your {len(latest)} question(s))"
    )


def _pick(
    records: Sequence[Record], reviews: Sequence[Review], bank: Bank, today: date, dim: Dimension
) -> tuple[str, str] | None:
    """The question to practise next and why it was picked (``due``, ``missed``, ...)."""
    latest = latest_finished(records)
    order = {r.question: i for i, r in enumerate(reviews)}
    due = due_on(reviews, today)
    pool, kind = [r.question for r in due], "due"
    if not pool:
        pool = [r.question for r in reviews if r.last_outcome is not Outcome.SENIOR]
        kind = "missed"
    if not pool:
        fresh = _new_question(records, bank)
        if fresh is not None:
            return fresh, "new"
        pool, kind = [reviews[0].question] if reviews else [], "soonest"
    if not pool:
        return None
    return min(pool, key=lambda q: (_score(latest, q, dim), order[q])), kind


def next_step(
    records: Sequence[Record], reviews: Sequence[Review], bank: Bank, today: date
) -> NextStep | None:
    """What to practise next (see the module docstring); None with no conversations."""
    if not records:
        return None
    latest = latest_finished(records)
    weak = weakest(latest) or (Dimension.DEFINITION, 0.0)
    picked = _pick(records, reviews, bank, today, weak[0])
    if picked is None:
        return None
    question, kind = picked
    dim = _dimension_on(latest, question, weak[0])
    rubric = bank.rubrics.get(question)
    review = next((r for r in reviews if r.question == question), None)
    reason = _why_question(kind, review, today, rubric.topic if rubric else None)
    reason += "; " + _why_dimension(latest, question, dim, weak)
    score = _score(latest, question, dim)
    known = [r for r in records if r.question == question]
    return NextStep(
        question=question,
        dimension=dim,
        reason=reason,
        topic=rubric.topic if rubric else None,
        question_text=rubric.question if rubric else (known[-1].question_text if known else ""),
        last_probe=latest[question].last_probes.get(dim) if question in latest else None,
        to_reach=(
            None
            if rubric is None or score >= 3
            else rubric.dimension(dim).level3
            if score >= 2
            else rubric.dimension(dim).level2
        ),
        command=f"followup chat --question {question}",
    )


def build_report(
    history: History, bank: Bank, today: date, tz: tzinfo | None = None
) -> ProgressReport:
    """The progress report as of ``today`` (days in ``tz``, the local zone by default).

    Conversations after ``today`` are left out: the report is what was known that day.
    """
    records = [r for r in history.conversations if local_day(r, tz) <= today]
    reviews = schedule(records, tz)
    return ProgressReport(
        followup_version=__version__,
        as_of=today,
        conversations=[_entry(r, tz) for r in records],
        questions=len({r.question for r in records}),
        dimensions=[trend(d, records, tz) for d in DIMENSIONS],
        topics=_topics(records, tz),
        next=next_step(records, reviews, bank, today),
        due=[_due_entry(r, today) for r in due_on(reviews, today)],
        schedule=[_due_entry(r, today) for r in reviews],
        skipped=list(history.problems),
    )


def progress_report(
    paths: Sequence[Path], bank: Bank, today: date, tz: tzinfo | None = None
) -> ProgressReport:
    """Read every transcript under ``paths`` and report on them as of ``today``."""
    return build_report(read_history(paths, bank), bank, today, tz)
