"""``followup eval``: run canned-answer suites and gate on agreement with the human labels."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from agent.cli.options import add_backend_options, bank_for, positive, settings_for
from agent.cli.terminal import progress_bar, write_atomic
from agent.errors import EvalStopped, UsageError
from agent.evals import (
    Gates,
    junit_xml,
    load_gates,
    load_suites,
    render_table,
    run_suites,
    validate_gates,
)
from agent.grading import default_concurrency, get_backend

DEFAULT_GATES = Path("evals") / "gates.yaml"
DEFAULT_MAX_FAILURES = 5


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = sub.add_parser(
        "eval",
        help="run canned-answer suites and gate on agreement with human labels",
        description=(
            "Grade every canned answer and run every canned dialogue in the given case files "
            "(or directories of *.yaml), compare with the human labels, and exit 0 when the "
            "gates hold, 1 when a metric is below its gate or a dialogue failed, 2 when the "
            "harness could not do its job (bad input, too many unscored cases, or a model that "
            "failed --max-failures times in a row, after which it is not called again)."
        ),
    )
    evaluate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add_backend_options(evaluate)
    evaluate.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report")
    evaluate.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    evaluate.add_argument(
        "--gates",
        type=Path,
        metavar="FILE",
        help="gate thresholds (default: the gates.yaml in or beside the first PATH that has "
        f"one, else {DEFAULT_GATES})",
    )
    for name in ("min-exact", "min-within-one", "min-qwk", "min-probe-accuracy"):
        evaluate.add_argument(f"--{name}", type=float, metavar="X", help="override that gate")
    evaluate.add_argument("--max-unscored", type=int, metavar="N", help="override that gate")
    evaluate.add_argument(
        "--concurrency",
        type=positive,
        default=None,
        help="cases graded at once (default 1; 4 with --backend openai)",
    )
    evaluate.add_argument(
        "--max-failures",
        type=positive,
        default=DEFAULT_MAX_FAILURES,
        metavar="N",
        help="with a model: stop calling it after N failed cases in a row and leave the rest "
        f"unscored, with the reason (default {DEFAULT_MAX_FAILURES})",
    )
    evaluate.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the model again even when a cached reply exists for the same prompt",
    )
    evaluate.set_defaults(handler=run)


def _default_gates(paths: Sequence[Path]) -> Path | None:
    """The gates.yaml kept beside the suites: in a directory given, or beside a file given."""
    for p in paths:
        folder = p if p.is_dir() else p.parent
        if (folder / "gates.yaml").exists():
            return folder / "gates.yaml"
    return DEFAULT_GATES if DEFAULT_GATES.exists() else None


def _gates(args: argparse.Namespace) -> Gates:
    path: Path | None = args.gates or _default_gates(args.paths)
    overrides = {
        "min_exact": args.min_exact,
        "min_within_one": args.min_within_one,
        "min_qwk": args.min_qwk,
        "min_probe_accuracy": args.min_probe_accuracy,
        "max_unscored": args.max_unscored,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    if path is not None:
        return load_gates(path, given)
    return validate_gates(given, "command line")


def _writable(path: Path | None) -> None:
    """Fail before a long run, not after it, when a report cannot be written."""
    if path is None:
        return
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    bank = bank_for(args)
    gates = _gates(args)
    _writable(args.json)
    _writable(args.junit)
    suites = load_suites(list(args.paths), bank)
    settings = settings_for(args)
    report = run_suites(
        suites,
        bank,
        get_backend(settings, cache=not args.no_cache, max_failures=args.max_failures),
        gates,
        concurrency=args.concurrency or default_concurrency(settings),
        progress=progress_bar(sys.stderr),
    )
    stdout.write(render_table(report) + "\n")
    if args.json:
        write_atomic(args.json, report.model_dump_json(indent=2) + "\n")
    if args.junit:
        write_atomic(args.junit, junit_xml(report))
    if report.stopped:
        raise EvalStopped(f"{report.stopped}; the suite could not be evaluated")
    if report.metrics.unscored > gates.max_unscored:
        raise UsageError(
            f"{report.metrics.unscored} grade(s) could not be produced "
            f"(allowed: {gates.max_unscored}); the run says nothing about agreement"
        )
    return 0 if all(g.passed for g in report.gates) else 1
