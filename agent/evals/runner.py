"""Run eval suites against a backend and measure agreement with the human labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.evals.cases import AnswerCase, Case, DialogueCase, Suite, derived_probe
from agent.evals.metrics import Agreement, agreement
from agent.grading.backend import Backend, TurnRequest, Usage
from agent.session.interview import Interview
from agent.yamlfile import first_error, read_yaml


class Gates(BaseModel):
    """The thresholds a run must meet. Defaults live in ``evals/gates.yaml``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    min_exact: float = Field(0.0, ge=0, le=1)
    min_within_one: float = Field(0.85, ge=0, le=1)
    min_qwk: float = Field(0.0, ge=-1, le=1)
    min_probe_accuracy: float = Field(0.5, ge=0, le=1)
    max_unscored: int = Field(0, ge=0)


def load_gates(path: Path, overrides: dict[str, float | int] | None = None) -> Gates:
    """The gates in a YAML file, with command-line overrides applied and validated.

    Raises:
        ValueError: unreadable or malformed file, or an out-of-range value (named).
    """
    raw = read_yaml(path, ValueError) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of gate names to thresholds")
    where = f"{path} (with the command-line gates)" if overrides else str(path)
    return validate_gates({**raw, **(overrides or {})}, where)


def validate_gates(values: dict[str, object], where: str) -> Gates:
    try:
        return Gates.model_validate(values)
    except ValidationError as exc:
        raise ValueError(f"{where}: {first_error(exc)}") from exc


class CaseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    suite: str
    question: str
    kind: Literal["answer", "dialogue"]
    expected: dict[str, object]
    got: dict[str, object]
    passed: bool
    unscored: bool = False
    known_failure: str | None = None
    differences: list[str] = Field(default_factory=list)
    usage: Usage | None = None
    """Model calls and tokens for this case (None with the offline grader)."""


class DimensionMetrics(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exact: float
    within_one: float
    qwk: float
    bias: float


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: int
    exact: float
    within_one: float
    qwk: float
    probe_accuracy: float
    unscored: int
    unscored_answers: int = 0
    per_dimension: dict[str, DimensionMetrics]
    dialogues: int
    dialogues_passed: int
    dialogues_known_failures: int = 0
    """Dialogues marked ``known_failure`` that failed, as expected (not counted as passed)."""
    dialogues_unexpectedly_passed: int = 0
    """Dialogues marked ``known_failure`` that passed: the marker is stale and must go."""
    usage: Usage | None = None
    """Model calls and tokens summed over the cases (None with the offline grader)."""


class GateCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    value: float
    threshold: float
    passed: bool


class EvalReport(BaseModel):
    """The JSON report (a contract: suites, grader, metrics, cases)."""

    model_config = ConfigDict(extra="forbid")
    suites: list[str]
    grader: str
    model: str | None = None
    metrics: Metrics
    per_suite: dict[str, Metrics] = Field(default_factory=dict)
    gates: list[GateCheck] = Field(default_factory=list)
    cases: list[CaseResult]


def _answer_case(case: AnswerCase, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    rubric = bank.get(case.question)
    expected_probe = case.expect.expected_probe()
    expected: dict[str, object] = {
        "scores": {d.value: case.expect.scores[d] for d in DIMENSIONS},
        "probe": expected_probe,
    }
    base = {"id": case.id, "suite": suite, "question": case.question, "kind": "answer"}
    try:
        assessment = backend.assess(rubric, TurnRequest(answer=case.answer, asked=rubric.question))
    except Exception as exc:  # any backend failure is unscored, never a score
        return CaseResult(
            **base, expected=expected, got={"error": str(exc)}, passed=False, unscored=True
        )
    usage = assessment.usage
    if assessment.fallback:
        got_err = {"error": "backend failed; offline fallback is not scored in eval"}
        return CaseResult(
            **base, expected=expected, got=got_err, passed=False, unscored=True, usage=usage
        )
    scores = assessment.grade.scores()
    probe = derived_probe(scores)
    got: dict[str, object] = {"scores": {d.value: scores[d] for d in DIMENSIONS}, "probe": probe}
    diffs = [
        f"{d.value}: expected {case.expect.scores[d]}, got {scores[d]}"
        for d in DIMENSIONS
        if scores[d] != case.expect.scores[d]
    ]
    if probe != expected_probe:
        diffs.append(f"probe: expected {expected_probe}, got {probe}")
    within = all(abs(scores[d] - case.expect.scores[d]) <= 1 for d in DIMENSIONS)
    passed = within and probe == expected_probe
    return CaseResult(
        **base, expected=expected, got=got, passed=passed, differences=diffs, usage=usage
    )


def _dialogue_case(case: DialogueCase, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    rubric = bank.get(case.question)
    expected: dict[str, object] = {
        "probes": [d.value for d in case.expect.probes],
        "outcome": case.expect.outcome,
    }
    base = {
        "id": case.id,
        "suite": suite,
        "question": case.question,
        "kind": "dialogue",
        "known_failure": case.known_failure,
    }
    interview = Interview(rubric, backend, max_turns=case.expect.max_turns)
    probed: list[Dimension] = []
    try:
        result = interview.answer(case.candidate.opening)
        while True:
            if result.fallback:
                raise RuntimeError("backend failed; offline fallback is not scored in eval")
            if result.outcome is not None or result.probe is None:
                break
            dim = result.probe.dimension
            reply = case.candidate.reply(dim, probed.count(dim))
            probed.append(dim)
            result = interview.answer(reply)
    except Exception as exc:
        got_err: dict[str, object] = {"error": str(exc), "probes": [d.value for d in probed]}
        return CaseResult(
            **base,
            expected=expected,
            got=got_err,
            passed=False,
            unscored=True,
            usage=_dialogue_usage(interview),
        )
    outcome = interview.outcome.value if interview.outcome else "none"
    got: dict[str, object] = {"probes": [d.value for d in probed], "outcome": outcome}
    diffs: list[str] = []
    if probed != case.expect.probes:
        diffs.append(
            f"probes: expected {[d.value for d in case.expect.probes]}, "
            f"got {[d.value for d in probed]}"
        )
    if outcome != case.expect.outcome:
        diffs.append(f"outcome: expected {case.expect.outcome}, got {outcome}")
    return CaseResult(
        **base,
        expected=expected,
        got=got,
        passed=not diffs,
        differences=diffs,
        usage=_dialogue_usage(interview),
    )


def _dialogue_usage(interview: Interview) -> Usage | None:
    return total_usage(t.assessment.usage for t in interview.turns)


def total_usage(usages: Iterable[Usage | None]) -> Usage | None:
    """The sum of the known usages; None when there are none (the offline grader)."""
    known = [u for u in usages if u is not None]
    return sum(known, Usage()) if known else None


def run_case(case: Case, suite: str, bank: Bank, backend: Backend) -> CaseResult:
    if isinstance(case, AnswerCase):
        return _answer_case(case, suite, bank, backend)
    return _dialogue_case(case, suite, bank, backend)


def compute_metrics(results: list[CaseResult]) -> Metrics:
    """Aggregate metrics over case results (unscored answers are left out of agreement)."""
    answers = [r for r in results if r.kind == "answer"]
    scored = [r for r in answers if not r.unscored]
    per_dim: dict[str, DimensionMetrics] = {}
    all_labels: list[int] = []
    all_preds: list[int] = []
    for d in DIMENSIONS:
        labels = [_score(r.expected, d) for r in scored]
        preds = [_score(r.got, d) for r in scored]
        all_labels += labels
        all_preds += preds
        a = agreement(labels, preds)
        per_dim[d.value] = DimensionMetrics(
            exact=a.exact, within_one=a.within_one, qwk=a.qwk, bias=a.bias
        )
    overall: Agreement = agreement(all_labels, all_preds)
    probe_hits = sum(1 for r in scored if r.got.get("probe") == r.expected.get("probe"))
    dialogues = [r for r in results if r.kind == "dialogue"]
    return Metrics(
        answers=len(answers),
        exact=overall.exact,
        within_one=overall.within_one,
        qwk=overall.qwk,
        probe_accuracy=probe_hits / len(scored) if scored else 0.0,
        unscored=sum(1 for r in results if r.unscored),
        unscored_answers=len(answers) - len(scored),
        per_dimension=per_dim,
        dialogues=len(dialogues),
        dialogues_passed=sum(1 for r in dialogues if r.passed),
        dialogues_known_failures=sum(
            1 for r in dialogues if r.known_failure and not r.passed and not r.unscored
        ),
        dialogues_unexpectedly_passed=sum(1 for r in dialogues if r.known_failure and r.passed),
        usage=total_usage(r.usage for r in results),
    )


def _score(side: dict[str, object], dim: Dimension) -> int:
    scores = side.get("scores")
    assert isinstance(scores, dict)
    value = scores[dim.value]
    assert isinstance(value, int)
    return value


def check_gates(metrics: Metrics, gates: Gates) -> list[GateCheck]:
    checks = [
        ("exact", metrics.exact, gates.min_exact),
        ("within_one", metrics.within_one, gates.min_within_one),
        ("qwk", metrics.qwk, gates.min_qwk),
        ("probe_accuracy", metrics.probe_accuracy, gates.min_probe_accuracy),
    ]
    out = (
        [GateCheck(name=n, value=v, threshold=t, passed=v >= t) for n, v, t in checks]
        if metrics.answers > metrics.unscored_answers
        else []  # a suite of dialogues only: agreement on answers does not apply
    )
    if metrics.dialogues:
        # Every dialogue passes, except those marked known_failure, which must still fail.
        held = (
            metrics.dialogues_passed
            - metrics.dialogues_unexpectedly_passed
            + metrics.dialogues_known_failures
        )
        out.append(
            GateCheck(
                name="dialogues_as_expected",
                value=held,
                threshold=metrics.dialogues,
                passed=held == metrics.dialogues,
            )
        )
    return out


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
        gates=check_gates(metrics, gates),
        cases=final,
    )


def write_junit(report: EvalReport, path: Path) -> None:
    """A JUnit XML file: one testsuite per suite, one testcase per case.

    An answer case "fails" when a score is more than one off or the probe target differs: a
    per-case disagreement to look at, not by itself a failed gate. A known-failure dialogue
    that still fails is skipped; one that passes is a failure (its marker is stale).
    """
    root = ET.Element("testsuites", name="followup-eval")
    for name in report.suites:
        cases = [c for c in report.cases if c.suite == name]
        skipped = sum(1 for c in cases if c.known_failure and not c.passed and not c.unscored)
        failures = sum(1 for c in cases if not c.unscored and c.passed == bool(c.known_failure))
        errors = sum(1 for c in cases if c.unscored)
        suite_el = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(cases)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
        )
        for c in cases:
            el = ET.SubElement(suite_el, "testcase", classname=f"{name}.{c.question}", name=c.id)
            if c.unscored:
                ET.SubElement(el, "error", message="unscored").text = str(c.got.get("error"))
            elif c.known_failure and not c.passed:
                ET.SubElement(el, "skipped", message=f"known failure: {c.known_failure}")
            elif c.known_failure:
                ET.SubElement(el, "failure", message="passes now: remove its known_failure marker")
            elif not c.passed:
                ET.SubElement(el, "failure", message="; ".join(c.differences))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def render_table(report: EvalReport) -> str:
    """The console summary: agreement per dimension, probe accuracy, failed dialogues, gates."""
    m = report.metrics
    lines = [
        f"grader: {report.grader}" + (f" ({report.model})" if report.model else ""),
        f"suites: {', '.join(report.suites)}",
        "",
        f"{'dimension':<12} {'exact':>7} {'within1':>8} {'qwk':>7} {'bias':>7}",
    ]
    for dim, dm in m.per_dimension.items():
        lines.append(
            f"{dim:<12} {dm.exact:>7.2f} {dm.within_one:>8.2f} {dm.qwk:>7.2f} {dm.bias:>+7.2f}"
        )
    lines.append(f"{'all':<12} {m.exact:>7.2f} {m.within_one:>8.2f} {m.qwk:>7.2f}")
    lines.append("")
    lines.append(
        f"answers {m.answers}  probe accuracy {m.probe_accuracy:.2f}  unscored {m.unscored}  "
        f"dialogues {m.dialogues_passed}/{m.dialogues} passed"
        + (f" ({m.dialogues_known_failures} known failures)" if m.dialogues_known_failures else "")
    )
    if m.usage is not None:
        u = m.usage
        lines.append(
            f"model usage: {u.calls} call(s), {u.cached} cached, {u.prompt_tokens} prompt + "
            f"{u.completion_tokens} completion tokens"
        )
    if len(report.per_suite) > 1:
        lines.append("")
        for name, sm in report.per_suite.items():
            lines.append(
                f"  {name:<20} answers {sm.answers:>4}  exact {sm.exact:.2f}  "
                f"within1 {sm.within_one:.2f}  qwk {sm.qwk:.2f}  probe {sm.probe_accuracy:.2f}  "
                f"dialogues {sm.dialogues_passed}/{sm.dialogues}"
            )
    dialogues = [c for c in report.cases if c.kind == "dialogue"]
    failed = [c for c in dialogues if not c.passed and not c.known_failure]
    if failed:
        lines += ["", "failed dialogues:"]
        for c in failed:
            why = "; ".join(c.differences) or str(c.got.get("error"))
            lines.append(f"  {c.id}: {why}")
    known = [c for c in dialogues if c.known_failure]
    if known:
        lines += ["", "known failures (marked in the case file):"]
        for c in known:
            state = "PASSED - remove the known_failure marker" if c.passed else "still fails"
            lines.append(f"  {c.id}: {state}; {'; '.join(c.differences)} ({c.known_failure})")
    lines.append("")
    for g in report.gates:
        mark = "ok  " if g.passed else "FAIL"
        lines.append(f"gate {mark} {g.name} {g.value:.3f} (needs >= {g.threshold:.3f})")
    return "\n".join(lines)
