"""The cohort view: per candidate and question, how the four dimensions moved across sessions.

Transcripts carry no candidate name, so sessions are grouped by the directory that holds the
file (a coach keeps ``<coach-dir>/<candidate>/<session files>``; the directory ``followup chat``
saves to is "you"). Sessions are put in date order by the session's start (``at`` in JSONL, the
Date line or the file's modification time for plain text).

A session "misses" one dimension: its weakest, as its own report names it (the lowest final
best score below 3; ties go to the policy's fixed order). Per question, what to practise next
is the dimension missed most often in that question's sessions; ties go to the lower latest
score, then the fixed order. The candidate's headline is read off those rows: the dimension
most questions name, so it always agrees with them (ties: missed in more sessions, then the
lower latest score, then the fixed order).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.replay.model import (
    CandidateCohort,
    Cohort,
    DimensionMove,
    QuestionTrend,
    SessionReport,
)

GROUPING = (
    "Sessions are grouped by candidate = the name of the directory holding each transcript "
    '(your own sessions, in the folder followup chat saves to, are "you"), and put in date '
    "order (session start; for plain text its Date line, else the file time)."
)


def best_scores(session: SessionReport) -> dict[Dimension, int]:
    """A session's final best score per dimension."""
    return {d.dimension: d.score for d in session.summary.dimensions}


def missed(session: SessionReport) -> Dimension | None:
    """The dimension a session missed: its weakest (None when all four reached 3)."""
    return session.summary.weakest


def practise_next(
    counts: Counter[Dimension], latest: dict[Dimension, int], *tiebreaks: Counter[Dimension]
) -> Dimension | None:
    """The dimension counted most often; ties: the ``tiebreaks`` counts in turn, then the lower
    latest score, then the fixed order."""
    if not counts:
        return None
    return min(
        counts,
        key=lambda d: (-counts[d], *(-t[d] for t in tiebreaks), latest[d], DIMENSIONS.index(d)),
    )


def _by_date(sessions: Iterable[SessionReport]) -> list[SessionReport]:
    return sorted(sessions, key=lambda s: (datetime.fromisoformat(s.at), s.source))


def _missed_counts(sessions: Iterable[SessionReport]) -> Counter[Dimension]:
    return Counter(d for d in map(missed, sessions) if d is not None)


def _trend(sessions: Sequence[SessionReport]) -> QuestionTrend:
    first, last = best_scores(sessions[0]), best_scores(sessions[-1])
    counts = _missed_counts(sessions)
    return QuestionTrend(
        question_id=sessions[0].question_id,
        title=sessions[0].title,
        sessions=[s.id for s in sessions],
        first_at=sessions[0].at,
        last_at=sessions[-1].at,
        dimensions=[
            DimensionMove(
                dimension=d,
                first=first[d],
                last=last[d],
                change=last[d] - first[d],
                missed=counts[d],
            )
            for d in DIMENSIONS
        ],
        practise_next=practise_next(counts, last),
    )


def _candidate(name: str, sessions: Iterable[SessionReport]) -> CandidateCohort:
    ordered = _by_date(sessions)
    by_question: dict[str, list[SessionReport]] = defaultdict(list)
    for session in ordered:
        by_question[session.question_id].append(session)
    questions = [_trend(by_question[q]) for q in sorted(by_question)]
    named = Counter(q.practise_next for q in questions if q.practise_next is not None)
    counts = _missed_counts(ordered)
    headline = practise_next(named, best_scores(ordered[-1]), counts)
    return CandidateCohort(
        candidate=name,
        sessions=len(ordered),
        questions=questions,
        missed={d: counts[d] for d in DIMENSIONS},
        practise_next=headline,
        practise_next_questions=named[headline] if headline else 0,
    )


def build_cohort(sessions: Sequence[SessionReport]) -> Cohort:
    """Group sessions by candidate, then question, and summarise each group's movement."""
    by_candidate: dict[str, list[SessionReport]] = defaultdict(list)
    for session in sessions:
        by_candidate[session.candidate].append(session)
    return Cohort(
        grouping=GROUPING,
        candidates=[_candidate(name, by_candidate[name]) for name in sorted(by_candidate)],
    )
