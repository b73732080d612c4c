"""The review schedule: 1 day after a miss; 3, 7, 14, 30 as a question keeps reaching senior."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from handmade import conversation

from agent.progress.history import read_history
from agent.progress.schedule import INTERVALS, due_on, review, schedule
from agent.session.policy import Outcome

S, MISS = Outcome.SENIOR, Outcome.STALLED
DAY0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def records(tmp_path: Path, outcomes: list[tuple[int, Outcome | None]], question: str = "q"):  # type: ignore[no-untyped-def]
    for day, outcome in outcomes:
        conversation(tmp_path, question, DAY0 + timedelta(days=day), outcome, "3 3 3 3")
    return read_history([tmp_path]).conversations


def test_the_ladder() -> None:
    assert INTERVALS == (1, 3, 7, 14, 30)


@pytest.mark.parametrize(
    ("outcomes", "due_day", "streak"),
    [
        ([(0, MISS)], 1, 0),
        ([(0, Outcome.QUIT)], 1, 0),
        ([(0, Outcome.OUT_OF_TIME)], 1, 0),
        ([(0, None)], 1, 0),  # unfinished counts as a miss
        ([(0, S)], 3, 1),
        ([(0, MISS), (1, S)], 1 + 3, 1),
        ([(0, MISS), (1, S), (4, S)], 4 + 7, 2),
        ([(0, MISS), (1, S), (4, S), (11, S)], 11 + 14, 3),
        ([(0, MISS), (1, S), (4, S), (11, S), (25, S)], 25 + 30, 4),
        ([(0, MISS), (1, S), (4, S), (11, S), (25, S), (55, S)], 55 + 30, 5),  # 30 from then on
        ([(0, S), (3, S), (10, S), (12, MISS)], 12 + 1, 0),  # a miss resets
        ([(0, S), (3, S), (10, S), (12, MISS), (13, S)], 13 + 3, 1),  # and the ladder restarts
    ],
)
def test_due_dates_follow_the_rules(
    tmp_path: Path, outcomes: list[tuple[int, Outcome | None]], due_day: int, streak: int
) -> None:
    result = review(records(tmp_path, outcomes), UTC)
    assert result.due == (DAY0 + timedelta(days=due_day)).date()
    assert result.streak == streak
    assert result.last == (DAY0 + timedelta(days=outcomes[-1][0])).date()
    assert result.conversations == len(outcomes)


def test_days_are_counted_in_the_given_time_zone(tmp_path: Path) -> None:
    # 23:30 UTC on Nov 2 is already Nov 3 in UTC+2
    conversation(tmp_path, "q", datetime(2026, 11, 2, 23, 30, tzinfo=UTC), MISS)
    found = read_history([tmp_path]).conversations
    assert review(found, UTC).due == date(2026, 11, 3)
    assert review(found, timezone(timedelta(hours=2))).due == date(2026, 11, 4)


def test_most_overdue_first_and_due_on(tmp_path: Path) -> None:
    conversation(tmp_path, "late", DAY0, MISS)  # due day 1
    conversation(tmp_path, "later", DAY0 + timedelta(days=1), S)  # due day 4
    conversation(tmp_path, "soon", DAY0 + timedelta(days=2), MISS)  # due day 3
    reviews = schedule(read_history([tmp_path]).conversations, UTC)
    assert [r.question for r in reviews] == ["late", "soon", "later"]
    today = (DAY0 + timedelta(days=3)).date()
    assert [r.question for r in due_on(reviews, today)] == ["late", "soon"]
