"""The cohort view: per candidate and question, how the four dimensions moved across sessions.

Transcripts carry no candidate name, so sessions are grouped by the directory that holds the
file (a coach keeps ``<coach-dir>/<candidate>/<session files>``). Sessions are put in date order
by the session's start (``at`` in JSONL, the file's modification time for plain text).

"Missed" is counted per session: the dimension(s) whose final best score was the lowest, when
below 3. What to practise next is the dimension missed most often; ties go to the one with the
lower latest score, then to the policy's fixed order.
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
    "Sessions are grouped by candidate = the name of the directory holding each transcript, "
    "and put in date order (session start; for plain text its Date line, else the file time)."
)


def best_scores(session: SessionReport) -> dict[Dimension, int]:
    """A session's final best score per dimension."""
    return {d.dimension: d.score for d in session.summary.dimensions}


def missed(session: SessionReport) -> list[Dimension]:
    """The session's lowest dimension(s), when below 3 (all of them on a tie)."""
    scores = best_scores(session)
    low = min(scores.values())
    return [] if low >= 3 else [d for d in DIMENSIONS if scores[d] == low]


def practise_next(counts: Counter[Dimension], latest: dict[Dimension, int]) -> Dimension | None:
    """The dimension missed most often; ties: lower latest score, then the fixed order."""
    if not counts:
        return None
    return min(counts, key=lambda d: (-counts[d], latest[d], DIMENSIONS.index(d)))


def _by_date(sessions: Iterable[SessionReport]) -> list[SessionReport]:
    return sorted(sessions, key=lambda s: (datetime.fromisoformat(s.at), s.source))


def _trend(sessions: Sequence[SessionReport]) -> QuestionTrend:
    first, last = best_scores(sessions[0]), best_scores(sessions[-1])
    counts: Counter[Dimension] = Counter(d for s in sessions for d in missed(s))
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


def build_cohort(sessions: Sequence[SessionReport]) -> Cohort:
    """Group sessions by candidate, then question, and summarise each group's movement."""
    by_candidate: dict[str, list[SessionReport]] = defaultdict(list)
    for session in sessions:
        by_candidate[session.candidate].append(session)
    candidates: list[CandidateCohort] = []
    for name in sorted(by_candidate):
        ordered = _by_date(by_candidate[name])
        by_question: dict[str, list[SessionReport]] = defaultdict(list)
        for session in ordered:
            by_question[session.question_id].append(session)
        counts: Counter[Dimension] = Counter(d for s in ordered for d in missed(s))
        candidates.append(
            CandidateCohort(
                candidate=name,
                sessions=len(ordered),
                questions=[_trend(by_question[q]) for q in sorted(by_question)],
                missed={d: counts[d] for d in DIMENSIONS},
                practise_next=practise_next(counts, best_scores(ordered[-1])),
            )
        )
    return Cohort(grouping=GROUPING, candidates=candidates)
