"""Run eval suites against a backend: each case graded or played through, then the report."""

from __future__ import annotations

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
from agent.grading.backend import Backend, TurnRequest, Usage
from agent.session.interview import Interview

FALLBACK_UNSCORED = "backend failed; offline fallback is not scored in eval"


def _differences(expected: AnswerExpected, got: AnswerVerdict) -> list[str]:
    diffs = [
        f"{d.value}: expected {expected.scores[d]}, got {got.scores[d]}"
        for d in DIMENSIONS
        if got.scores[d] != expected.scores[d]
    ]
    if got.probe != expected.probe:
        diffs.append(f"probe: expected {expected.probe}, got {got.probe}")
    return diffs


def _answer_case(case: AnswerCase, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    rubric = bank.get(case.question)
    labels = {d: case.expect.scores[d] for d in DIMENSIONS}
    expected = AnswerExpected(
        scores=labels,
        probe=case.expect.expected_probe(),
        labels=[dict(raw) for raw in case.expect.labels.values()],
    )
    base = {"id": case.id, "suite": suite, "question": case.question, "kind": "answer"}
    try:
        request = TurnRequest(answer=case.answer, asked=rubric.question, scores_only=True)
        assessment = backend.assess(rubric, request)
    except FollowupError as exc:  # a backend that cannot grade: unscored, never a score
        return CaseResult(
            **base, expected=expected, got=Unscored(error=str(exc)), passed=False, unscored=True
        )
    usage = assessment.usage
    if assessment.ungraded:
        got_err = Unscored(error=assessment.ungraded)
        return CaseResult(
            **base, expected=expected, got=got_err, passed=False, unscored=True, ungraded=True
        )
    if assessment.fallback:
        got_err = Unscored(error=FALLBACK_UNSCORED)
        return CaseResult(
            **base, expected=expected, got=got_err, passed=False, unscored=True, usage=usage
        )
    scores = assessment.grade.scores()
    got = AnswerVerdict(scores={d: scores[d] for d in DIMENSIONS}, probe=derived_probe(scores))
    within = all(abs(scores[d] - labels[d]) <= 1 for d in DIMENSIONS)
    passed = within and got.probe == expected.probe
    return CaseResult(
        **base,
        expected=expected,
        got=got,
        passed=passed,
        differences=_differences(expected, got),
        usage=usage,
    )


def _play(case: DialogueCase, interview: Interview, probed: list[Dimension]) -> None:
    """Run the canned candidate through the interview, appending each probed dimension."""
    result = interview.answer(case.candidate.opening)
    while True:
        if result.fallback:
            raise _Fallback(FALLBACK_UNSCORED)
        if result.outcome is not None or result.probe is None:
            return
        dim = result.probe.dimension
        reply = case.candidate.reply(dim, probed.count(dim))
        probed.append(dim)
        result = interview.answer(reply)


class _Fallback(FollowupError):
    """A dialogue turn was graded by the fallback: the dialogue says nothing about the model."""


def _dialogue_case(case: DialogueCase, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    rubric = bank.get(case.question)
    expected = DialogueVerdict(probes=list(case.expect.probes), outcome=case.expect.outcome)
    base = {
        "id": case.id,
        "suite": suite,
        "question": case.question,
        "kind": "dialogue",
        "known_failure": case.known_failure,
        "expected": expected,
    }
    interview = Interview(rubric, backend, max_turns=case.expect.max_turns)
    probed: list[Dimension] = []
    try:
        _play(case, interview, probed)
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


def run_case(case: Case, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    if isinstance(case, AnswerCase):
        return _answer_case(case, suite, bank, backend)
    return _dialogue_case(case, suite, bank, backend)


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
    done = 0

    def work(i: int) -> None:
        case, name = jobs[i]
        results[i] = run_case(case, name, bank, backend)

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
    )
