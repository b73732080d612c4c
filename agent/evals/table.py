"""The console summary of an eval run."""

from __future__ import annotations

from agent.evals.results import EvalReport


def _ceiling(report: EvalReport) -> list[str]:
    """Grader against each raw label beside labeller against labeller, when labels are kept."""
    m = report.metrics
    if not m.per_labeller:
        return []
    lines = [
        "",
        "against each labeller (pooled)           labeller vs labeller (the ceiling)",
        f"{'dimension':<12} {'exact':>7} {'within1':>8} {'qwk':>7}    {'exact':>7} {'qwk':>7}",
    ]
    for dim, dm in m.per_labeller.items():
        h = m.human.get(dim)
        ceiling = f"{h.exact:>7.2f} {h.qwk:>7.2f}" if h else f"{'-':>7} {'-':>7}"
        lines.append(
            f"{dim:<12} {dm.exact:>7.2f} {dm.within_one:>8.2f} {dm.qwk:>7.2f}    {ceiling}"
        )
    return lines


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
    lines += _ceiling(report)
    lines.append("")
    lines.append(
        f"answers {m.answers}  probe accuracy {m.probe_accuracy:.2f}  unscored {m.unscored}  "
        + (f"not graded {m.ungraded} (the grader cannot read them)  " if m.ungraded else "")
        + f"dialogues {m.dialogues_passed}/{m.dialogues} passed"
        + (f" ({m.dialogues_known_failures} known failures)" if m.dialogues_known_failures else "")
    )
    if m.usage is not None:
        u = m.usage
        lines.append(
            f"model usage: {u.calls} call(s), {u.cached} cached, {u.prompt_tokens} prompt "
            f"({u.cached_tokens} from the server's prefix cache) + "
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
            why = "; ".join(c.differences) or str(c.error)
            lines.append(f"  {c.id}: {why}")
    known = [c for c in dialogues if c.known_failure]
    if known:
        lines += ["", "known failures (marked in the case file):"]
        for c in known:
            state = "PASSED - remove the known_failure marker" if c.passed else "still fails"
            lines.append(f"  {c.id}: {state}; {'; '.join(c.differences)} ({c.known_failure})")
    if report.stopped:
        lines += ["", f"stopped: {report.stopped}"]
    lines.append("")
    for g in report.gates:
        mark = "ok  " if g.passed else "FAIL"
        lines.append(f"gate {mark} {g.name} {g.value:.3f} (needs >= {g.threshold:.3f})")
    return "\n".join(lines)
