"""The review schedule, derived from the transcripts alone (no second store to drift from them).

Per question, its conversations are walked in date order:

* a conversation that does not reach ``senior`` (any other outcome, or unfinished) is a miss:
  the question is due again 1 day later, and the ladder starts over;
* one that reaches ``senior`` moves the question one step up the ladder: due again after 3, 7,
  14, then 30 days (and 30 from then on) as it keeps reaching senior. A miss always resets.

The due date counts from the question's last conversation, whenever it was held.

Days are calendar days in the given time zone (the user's local one by default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta, tzinfo

from agent.models import Strict
from agent.progress.history import Record
from agent.session.policy import Outcome

INTERVALS = (1, 3, 7, 14, 30)
"""Days to the next review after 0 (a miss), 1, 2, 3, and 4+ senior conversations in a row."""


class Review(Strict):
    """When one question is due, and why."""

    question: str
    due: date
    last: date
    """The day of its last conversation."""
    last_outcome: Outcome | None
    streak: int
    """Senior conversations in a row at the end (0 after a miss)."""
    interval: int
    """Days from the review that set ``due`` to ``due``."""
    conversations: int


def local_day(record: Record, tz: tzinfo | None) -> date:
    return record.started.astimezone(tz).date()


def review(records: Sequence[Record], tz: tzinfo | None = None) -> Review:
    """One question's schedule from its conversations (oldest first; at least one)."""
    streak = 0
    for record in records:
        streak = streak + 1 if record.outcome is Outcome.SENIOR else 0
    last = records[-1]
    interval = INTERVALS[min(streak, len(INTERVALS) - 1)]
    due = local_day(last, tz) + timedelta(days=interval)
    return Review(
        question=last.question,
        due=due,
        last=local_day(last, tz),
        last_outcome=last.outcome,
        streak=streak,
        interval=interval,
        conversations=len(records),
    )


def by_question(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Conversations grouped by question id, each group oldest first."""
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.started, r.source)):
        groups[record.question].append(record)
    return dict(groups)


def schedule(records: Iterable[Record], tz: tzinfo | None = None) -> list[Review]:
    """Every practised question's review, most overdue (earliest due) first."""
    reviews = [review(group, tz) for group in by_question(records).values()]
    return sorted(reviews, key=lambda r: (r.due, r.last, r.question))


def due_on(reviews: Iterable[Review], today: date) -> list[Review]:
    """The reviews due on ``today`` or before, most overdue first."""
    return [r for r in reviews if r.due <= today]
