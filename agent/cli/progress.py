"""``followup progress``: how the saved conversations moved, what is due, what to practise next."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from agent.bank import Bank
from agent.cli.options import add_output_options, bank_for, output_format, write_output
from agent.errors import UsageError
from agent.progress import FORMATS, INTERVALS, ProgressReport, progress_report, render
from agent.session.transcript import data_dir
from agent.text import plain

NO_SESSIONS = (
    "No sessions yet: practise with 'followup chat' or 'followup mock', and your progress "
    "shows here."
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "progress",
        help="your practice over time: trends, what is due for review, what to practise next",
        description=(
            "Read every saved conversation (chat and mock; transcripts copied in from another "
            "machine count too) and show how each dimension's scores moved week by week, per "
            "dimension and per topic; what to practise next (a question and a dimension, with "
            "the reason); and the review schedule: which questions are due again."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="transcript files or directories (searched recursively for *.jsonl); default: the "
        "data directory, where chat and mock save them",
    )
    add_output_options(
        parser,
        FORMATS,
        "text (the default), html (one self-contained page with a chart) or json",
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="report as of this day: what is due then, leaving out later conversations "
        "(default: today)",
    )
    parser.set_defaults(handler=run)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def saved_progress(
    bank: Bank, paths: list[Path] | None, today: date | None, stderr: TextIO
) -> ProgressReport:
    """The report on ``paths`` (default: the data directory); every skipped file on stderr."""
    default = data_dir()
    sources = paths or ([default] if default.exists() else [])
    report = progress_report(sources, bank, today or date.today())
    for problem in report.skipped:
        stderr.write(f"followup: warning: {plain(problem)}\n")
    return report


def run(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Exit 0, also when some files were skipped (each is named on stderr)."""
    err = stderr or sys.stderr
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or directory")
    report = saved_progress(bank_for(args), args.paths, args.as_of, err)
    fmt = output_format(args.format, args.output, FORMATS)
    if not report.conversations and fmt == "text":
        write_output(NO_SESSIONS + "\n", args.output, stdout)
        return 0
    write_output(render(report, fmt), args.output, stdout)
    if not report.conversations:
        err.write(f"followup: {NO_SESSIONS}\n")
    return 0


_LADDER = ", ".join(str(d) for d in INTERVALS[1:])
EPILOG = f"""\
where the conversations come from:
  every *.jsonl transcript under the data directory ($FOLLOWUP_HOME, else the per-user data
  directory; 'followup chat' prints where each is saved), or under the PATHs given. A file
  that cannot be read is named (file and line) on stderr and skipped; the rest still count.
  A conversation's scores are its best per dimension, as its transcript recorded them.

review schedule (derived from the transcripts alone, nothing else is stored):
  a question whose last conversation did not reach senior is due again after {INTERVALS[0]} day;
  after {_LADDER} days as it keeps reaching senior (and {INTERVALS[-1]} from then on).
  A miss resets it to {INTERVALS[0]} day. 'followup chat --due' asks the most overdue question;
  'followup mock --due' fills a mock loop with due questions first.

what to practise next:
  the dimension: your weakest, on average over the latest conversation on each question;
  the question: among those due, the one lowest on it last time (ties: the most overdue);
  when none is due, one that did not reach senior last time; when all are holding, a new
  question from the topic you practised least.

formats:
  text  for the terminal (default)
  html  one self-contained page (inline CSS and SVG chart of the four dimensions over time,
        no scripts), the same look as 'followup replay'
  json  the report's data: conversations, dimensions (each with its weekly trend), topics,
        next {{question, dimension, reason}}, due (most overdue first) and schedule

exit status:
  0, also with no sessions yet or some files skipped; 2 for a bad option or a PATH that does
  not exist.
"""


def due_questions(report: ProgressReport, bank: Bank) -> list[str]:
    """The questions due for review that this bank has, most overdue first."""
    return [r.question for r in report.due if r.question in bank.rubrics]


def nothing_due(report: ProgressReport) -> str:
    """What ``chat --due`` says when nothing is due: the next review and the weakest question."""
    if not report.conversations:
        return "No sessions yet, so nothing is due: start with 'followup chat' or 'followup mock'."
    lines = ["Nothing is due for review today."]
    if report.schedule:
        first = report.schedule[0]
        lines[0] = lines[0][:-1] + f" (next: {plain(first.question)} on {first.due})."
    step = report.next
    if step is not None:
        lines.append(f"Your weakest: {plain(step.question)}, {step.dimension.value}.")
        lines.append(f"  why: {plain(step.reason)}.")
        lines.append(f"  run: {plain(step.command)}")
    return "\n".join(lines)
