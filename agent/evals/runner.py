"""Run eval suites against a backend: each case graded or played through, then the report.

A model backend that stops calling its model (``FallbackBackend``'s breaker opened after
``--max-failures`` failures in a row) stops the run: every case not yet graded is unscored
with the reason, and the report's ``stopped`` says why (``followup eval`` then exits 2).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.errors import FollowupError
from agent.evals.cases import AnswerCase, Case, DialogueCase, Suite, derived_probe
from agent.evals.gates import Gates, check_gates
from agent.evals.metrics import compute_metrics, total_usage
from agent.evals.results import (
    AnswerExpected,
    AnswerVerdict,
    CaseResult,
    DialogueVerdict,
    EvalReport,
    Unscored,
    UnscoredDialogue,
)
from agent.grading.backend import Backend, FallbackInfo, TurnRequest, Usage
from agent.session.interview import Interview

FALLBACK_UNSCORED = "backend failed; offline fallback is not scored in eval"


class _Stop:
    """Whether the run has stopped calling the model, and why (shared by the workers)."""

    def __init__(self) -> None:
        self.circuit: str | None = None
        self._lock = threading.Lock()

    def see(self, info: FallbackInfo | None) -> str:
        """Take note of a turn the fallback graded; the case's unscored reason."""
        if info is None:
            return FALLBACK_UNSCORED
        if info.circuit:
            with self._lock:
                self.circuit = self.circuit or info.circuit
        return (
            not_graded(info.circuit) if not info.called else f"{FALLBACK_UNSCORED} ({info.reason})"
        )


def not_graded(circuit: str | None) -> str:
    """The reason given for a case eval did not send to the model."""
    return f"not graded: {circuit}, so eval stopped calling it"


def _differences(expected: AnswerVerdict, got: AnswerVerdict) -> list[str]:
    diffs = [
        f"{d.value}: expected {expected.scores[d]}, got {got.scores[d]}"
        for d in DIMENSIONS
        if got.scores[d] != expected.scores[d]
    ]
    if got.probe != expected.probe:
        diffs.append(f"probe: expected {expected.probe}, got {got.probe}")
    return diffs


def _expected(case: AnswerCase) -> AnswerExpected:
    labels = {d: case.expect.scores[d] for d in DIMENSIONS}
    return AnswerExpected(
        scores=labels,
        probe=case.expect.expected_probe(),
        labels=[dict(raw) for raw in case.expect.labels.values()],
    )


def _base(case: Case, suite: str) -> dict[str, object]:
    """The fields every result of this case has, graded or not."""
    common = {"id": case.id, "suite": suite, "question": case.question}
    if isinstance(case, AnswerCase):
        return {**common, "kind": "answer", "expected": _expected(case)}
    expected = DialogueVerdict(probes=list(case.expect.probes), outcome=case.expect.outcome)
    return {**common, "kind": "dialogue", "known_failure": case.known_failure, "expected": expected}


def _answer_case(
    case: AnswerCase, suite: str, bank: Bank, backend: Backend, stop: _Stop
) -> CaseResult:
    rubric = bank.get(case.question)
    base = _base(case, suite)
    expected = _expected(case)
    try:
        request = TurnRequest(answer=case.answer, asked=rubric.question, scores_only=True)
        assessment = backend.assess(rubric, request)
    except FollowupError as exc:  # a backend that cannot grade: unscored, never a score
        return CaseResult(**base, got=Unscored(error=str(exc)), passed=False, unscored=True)
    usage = assessment.usage
    if assessment.ungraded:
        got_err = Unscored(error=assessment.ungraded)
        return CaseResult(**base, got=got_err, passed=False, unscored=True, ungraded=True)
    if assessment.fallback:
        got_err = Unscored(error=stop.see(assessment.fallback_info))
        return CaseResult(**base, got=got_err, passed=False, unscored=True, usage=usage)
    scores = assessment.grade.scores()
    got = AnswerVerdict(scores={d: scores[d] for d in DIMENSIONS}, probe=derived_probe(scores))
    within = all(abs(scores[d] - case.expect.scores[d]) <= 1 for d in DIMENSIONS)
    passed = within and got.probe == expected.probe
    return CaseResult(
        **base, got=got, passed=passed, differences=_differences(expected, got), usage=usage
    )


def _play(case: DialogueCase, interview: Interview, probed: list[Dimension], stop: _Stop) -> None:
    """Run the canned candidate through the interview, appending each probed dimension."""
    result = interview.answer(case.candidate.opening)
    while True:
        if result.fallback:
            raise _Fallback(stop.see(result.fallback_info))
        if result.outcome is not None or result.probe is None:
            return
        dim = result.probe.dimension
        reply = case.candidate.reply(dim, probed.count(dim))
        probed.append(dim)
        result = interview.answer(reply)


class _Fallback(FollowupError):
    """A dialogue turn was graded by the fallback: the dialogue says nothing about the model."""


def _dialogue_case(
    case: DialogueCase, suite: str, bank: Bank, backend: Backend, stop: _Stop
) -> CaseResult:
    rubric = bank.get(case.question)
    base = _base(case, suite)
    interview = Interview(rubric, backend, max_turns=case.expect.max_turns)
    probed: list[Dimension] = []
    try:
        _play(case, interview, probed, stop)
    except FollowupError as exc:
        got_err = UnscoredDialogue(error=str(exc), probes=probed)
        usage = _dialogue_usage(interview)
        return CaseResult(**base, got=got_err, passed=False, unscored=True, usage=usage)
    outcome = interview.outcome.value if interview.outcome else "none"
    got = DialogueVerdict(probes=probed, outcome=outcome)
    diffs: list[str] = []
    if probed != case.expect.probes:
        diffs.append(
            f"probes: expected {[d.value for d in case.expect.probes]}, "
            f"got {[d.value for d in probed]}"
        )
    if outcome != case.expect.outcome:
        diffs.append(f"outcome: expected {case.expect.outcome}, got {outcome}")
    usage = _dialogue_usage(interview)
    return CaseResult(**base, got=got, passed=not diffs, differences=diffs, usage=usage)


def _dialogue_usage(interview: Interview) -> Usage | None:
    return total_usage(t.assessment.usage for t in interview.turns)


def run_case(
    case: Case, suite: str, bank: Bank, backend: Backend, stop: _Stop | None = None
) -> CaseResult:
    stop = stop or _Stop()
    if isinstance(case, AnswerCase):
        return _answer_case(case, suite, bank, backend, stop)
    return _dialogue_case(case, suite, bank, backend, stop)


def _not_run(case: Case, suite: str, circuit: str) -> CaseResult:
    """A case left unscored because the run had stopped calling the model."""
    error = not_graded(circuit)
    got = (
        Unscored(error=error)
        if isinstance(case, AnswerCase)
        else UnscoredDialogue(error=error, probes=[])
    )
    return CaseResult(**_base(case, suite), got=got, passed=False, unscored=True)


Progress = Callable[[int, int], None]


def run_suites(
    suites: list[Suite],
    bank: Bank,
    backend: Backend,
    gates: Gates,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> EvalReport:
    """Run every case of every suite and build the report (cases keep their file order)."""
    jobs = [(case, suite.suite) for suite in suites for case in suite.cases]
    results: list[CaseResult | None] = [None] * len(jobs)
    stop = _Stop()
    done = 0

    def work(i: int) -> None:
        case, name = jobs[i]
        circuit = stop.circuit
        if circuit is not None:
            results[i] = _not_run(case, name, circuit)
        else:
            results[i] = run_case(case, name, bank, backend, stop)

    if concurrency <= 1:
        for i in range(len(jobs)):
            work(i)
            done += 1
            if progress:
                progress(done, len(jobs))
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(work, range(len(jobs))):
                done += 1
                if progress:
                    progress(done, len(jobs))
    final = [r for r in results if r is not None]
    return _report(suites, backend, gates, final, _stopped(stop.circuit, final))


def _stopped(circuit: str | None, results: list[CaseResult]) -> str | None:
    """The report's overall reason when the run stopped calling the model."""
    if circuit is None:
        return None
    left = sum(1 for r in results if r.error == not_graded(circuit))
    return (
        f"{circuit}; eval stopped calling it, and {left} of {len(results)} case(s) were not graded"
    )


def _report(
    suites: list[Suite],
    backend: Backend,
    gates: Gates,
    final: list[CaseResult],
    stopped: str | None,
) -> EvalReport:
    metrics = compute_metrics(final)
    names = list(dict.fromkeys(s.suite for s in suites))
    per_suite = {n: compute_metrics([r for r in final if r.suite == n]) for n in names}
    return EvalReport(
        suites=names,
        grader=backend.name,
        model=backend.model,
        metrics=metrics,
        per_suite=per_suite,
        gates=check_gates(metrics, gates, per_suite),
        cases=final,
        stopped=stopped,
    )
