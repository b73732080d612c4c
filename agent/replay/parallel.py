"""Grading a long replay's answers on every core, before the policy walks through them.

The offline grader's assessment depends on the rubric, the answer, whether it replies to a
probe and the few answers before it that the conversation picture reads
(``CONVERSATION_WINDOW``), and on nothing else of the request (no scores so far;
``tests/replay/test_parallel.py`` pins this). So the answers of a long replay can be graded
in worker processes up front, and the policy then gets, turn by turn, exactly the assessments it
would have got one at a time. Any other backend (a model sees the conversation so far) is asked
turn by turn, as before. Below ``PARALLEL_AFTER`` answers, or on one core, nothing changes: a
pool's start-up would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from agent.bank.rubric import Rubric
from agent.grading.backend import Assessment, Backend, Exchange, TurnRequest
from agent.grading.offline import OfflineBackend
from agent.grading.offline.grader import CONVERSATION_WINDOW

PARALLEL_AFTER = 400
"""Answers in a replay from which the offline grader runs in parallel (a pool starts in about
half a second; 400 answers take about as long to grade)."""
MAX_WORKERS = 8
CHUNKS_PER_WORKER = 16
"""Enough chunks to keep every worker busy to the end and a progress bar moving."""
MIN_CHUNK = 50

Key = tuple[str, str, bool, tuple[str, ...]]
"""(question id, answer, replies to a probe, the answers before it that the conversation
picture reads): all the offline grader's assessment depends on."""
Item = tuple[str, bool, tuple[str, ...]]
Job = tuple[str, list[Item]]
"""(question id, [(answer, replies to a probe, earlier answers)]): one chunk of work."""
EARLIER = CONVERSATION_WINDOW - 1

_RUBRICS: dict[str, Rubric] = {}
_BACKEND: list[OfflineBackend] = []


def _start_worker(rubrics: dict[str, Rubric]) -> None:
    _RUBRICS.update(rubrics)
    _BACKEND.append(OfflineBackend())


def _assess_chunk(job: Job) -> list[Assessment]:
    rubric = _RUBRICS[job[0]]
    backend = _BACKEND[0]
    return [
        backend.assess(
            rubric,
            TurnRequest(
                answer=answer,
                asked="",
                history=[Exchange(asked="", answer=a) for a in earlier],
                follow_up=follow_up,
            ),
        )
        for answer, follow_up, earlier in job[1]
    ]


class Pregraded:
    """A backend that hands out assessments made in advance, and asks ``backend`` for any other.

    Args:
        backend: the offline backend the assessments came from.
        done: assessments by (question id, answer, replies to a probe).
    """

    def __init__(self, backend: Backend, done: dict[Key, Assessment]) -> None:
        self.backend = backend
        self.done = done
        self.name = backend.name
        self.model = backend.model

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        earlier = tuple(e.answer for e in request.history[-EARLIER:]) if EARLIER else ()
        found = self.done.get((rubric.id, request.answer, request.follow_up, earlier))
        return found if found is not None else self.backend.assess(rubric, request)


def _jobs(work: Sequence[tuple[Rubric, Sequence[str]]], chunk: int) -> list[Job]:
    unique: dict[Key, None] = {}
    for rubric, answers in work:
        for n, answer in enumerate(answers):
            unique.setdefault((rubric.id, answer, n > 0, tuple(answers[max(0, n - EARLIER) : n])))
    by_question: dict[str, list[Item]] = {}
    for qid, answer, follow_up, earlier in unique:
        by_question.setdefault(qid, []).append((answer, follow_up, earlier))
    return [
        (qid, items[i : i + chunk])
        for qid, items in by_question.items()
        for i in range(0, len(items), chunk)
    ]


def pregrade(
    backend: Backend,
    work: Sequence[tuple[Rubric, Sequence[str]]],
    *,
    after: int = PARALLEL_AFTER,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Backend:
    """``backend``, or for the offline grader on a long replay a ``Pregraded`` stand-in.

    Args:
        backend: the replay's backend.
        work: per transcript, its rubric and its answers in order (the first answers the
            question, the rest reply to probes).
        after: the fewest answers worth a pool.
        workers: processes to use (default: the machine's cores, at most ``MAX_WORKERS``).
        progress: told (answers graded, answers to grade) as chunks come back; an answer
            given twice (same question, same words) is graded once.
    """
    total = sum(len(answers) for _, answers in work)
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if type(backend) is not OfflineBackend or total < after or workers < 2:
        return backend
    chunk = max(MIN_CHUNK, -(-total // (workers * CHUNKS_PER_WORKER)))
    jobs = _jobs(work, chunk)
    count = sum(len(items) for _, items in jobs)
    rubrics = {rubric.id: rubric for rubric, _ in work}
    done: dict[Key, Assessment] = {}
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(rubrics,),
    ) as pool:
        for (qid, items), assessed in zip(jobs, pool.map(_assess_chunk, jobs), strict=True):
            for (answer, follow_up, earlier), assessment in zip(items, assessed, strict=True):
                done[(qid, answer, follow_up, earlier)] = assessment
            if progress is not None:
                progress(len(done), count)
    return Pregraded(backend, done)
