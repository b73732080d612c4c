"""``followup mock``: a mock interview loop of several questions across topics, then one report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from agent.bank.rubric import DIMENSIONS, Rubric
from agent.cli.options import (
    add_backend_options,
    backend_for,
    bank_for,
    in_topic,
    open_transcript,
    positive,
)
from agent.cli.progress import due_questions, saved_progress
from agent.cli.repl import Style, Terminal, converse, mmss, terminal
from agent.session import DEFAULT_MAX_TURNS, OUTCOME_TEXT, Interview, default_transcript_path
from agent.session.loop import DEFAULT_QUESTIONS, LoopQuestion, LoopReport, MockLoop, draw_questions
from agent.version import __version__


def minutes(value: str) -> float:
    """An argparse type: a positive number of minutes (``1.5`` is 90 seconds)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of minutes") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of minutes")
    return number


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mock = sub.add_parser(
        "mock",
        help="a mock interview loop: several questions across topics, then one report",
        description=(
            "Run a mock interview loop: several questions in one sitting, drawn across topics "
            "the way a real loop is (fundamentals, evaluation, ensembles or debugging, "
            "production or projects), each with its own probes and outcome under the same "
            "rules as 'followup chat'. The report at the end lists per question the outcome and "
            "the four scores, and the one dimension to practise."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mock.add_argument(
        "--questions",
        "-n",
        type=positive,
        default=DEFAULT_QUESTIONS,
        metavar="N",
        help=f"how many questions (default {DEFAULT_QUESTIONS})",
    )
    mock.add_argument("--topic", "-t", metavar="TOPIC", help="draw every question from this topic")
    mock.add_argument("--seed", type=int, help="makes the draw repeatable")
    mock.add_argument(
        "--due",
        action="store_true",
        help="ask the questions due for review first, most overdue first (see 'followup "
        "progress'); the rest are drawn across topics",
    )
    mock.add_argument(
        "--time-limit",
        type=minutes,
        metavar="MINUTES",
        help="time per question; when it runs out the question ends 'out-of-time' "
        "(the answer you are typing still counts)",
    )
    mock.add_argument(
        "--max-turns",
        type=positive,
        default=DEFAULT_MAX_TURNS,
        help=f"answers per question before it ends (default {DEFAULT_MAX_TURNS})",
    )
    mock.add_argument(
        "--transcript-dir",
        type=Path,
        metavar="DIR",
        help="where the transcripts go, one per question (default: the data directory's "
        "transcripts folder, as for chat; FOLLOWUP_HOME overrides it)",
    )
    add_backend_options(mock)
    mock.add_argument("--no-color", action="store_true", help="never use colour")
    mock.set_defaults(handler=run)


def _questions(args: argparse.Namespace, stderr: TextIO) -> tuple[list[Rubric], list[str]]:
    """The loop's questions and what the candidate should know about the draw."""
    bank = bank_for(args)
    if args.topic is not None:
        in_topic(bank, args.topic)  # an unknown topic is an error naming the known ones
    first: list[str] = []
    notes: list[str] = []
    if args.due:
        first = due_questions(saved_progress(bank, None, None, stderr), bank)
        if args.topic is not None:
            first = [q for q in first if bank.rubrics[q].topic == args.topic]
        shown = min(len(first), args.questions)
        notes.append(
            f"{shown} question(s) due for review come first."
            if first
            else "Nothing is due for review; the questions are drawn across topics."
        )
    rubrics = draw_questions(
        list(bank.rubrics.values()), args.questions, topic=args.topic, seed=args.seed, first=first
    )
    if len(rubrics) < args.questions:
        where = f"topic {args.topic}" if args.topic else "the bank"
        notes.append(f"Only {len(rubrics)} question(s) in {where}: the loop has {len(rubrics)}.")
    return rubrics, notes


def _line(q: LoopQuestion, style: Style) -> str:
    scores = "  ".join(f"{d.value} {style.score(q.best[d])}" for d in DIMENSIONS)
    practise = f" Practise: {q.weakest.value}." if q.weakest else ""
    return f"{q.outcome.value} ({OUTCOME_TEXT[q.outcome]}). Best: {scores}.{practise}"


def run(
    args: argparse.Namespace,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    err = stderr or sys.stderr
    rubrics, notes = _questions(args, err)
    backend = backend_for(args)
    limit = args.time_limit * 60 if args.time_limit is not None else None
    loop = MockLoop(
        rubrics,
        backend,
        max_turns=args.max_turns,
        time_limit=limit,
        clock=clock,
        writer_for=lambda r: open_transcript(default_transcript_path(r.id, args.transcript_dir)),
    )
    color = stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
    term = terminal(stdin, stdout, color)
    style = term.style
    each = f", {args.time_limit:g} min each" if limit else ""
    stdout.write(
        style.dim(
            f"followup {__version__} - mock interview {loop.loop_id}: {len(rubrics)} "
            f"question(s){each} - grader: {backend.name}"
        )
        + "\n"
    )
    for note in notes:
        stdout.write(style.dim(note) + "\n")
    stdout.write(style.dim("Type /help for commands: /next moves on, /quit ends the loop.") + "\n")
    _ask_all(loop, stdin, stdout, term)
    stdout.write(render_report(loop.report(), style))
    stdout.flush()
    return 0


def _ask_all(loop: MockLoop, stdin: TextIO, stdout: TextIO, term: Terminal) -> None:
    style = term.style
    total = len(loop.rubrics)
    for number, interview in enumerate(loop.interviews(), start=1):
        stdout.write(f"\n{style.bold(f'Question {number} of {total}')} {_about(interview)}\n")
        left = converse(interview, stdin, stdout, term, mock=True)
        result = loop.result(number, interview)
        stdout.write(f"\n{style.dim(f'Question {number}:')} {_line(result, style)}\n")
        if left:
            return


def _about(interview: Interview) -> str:
    limit = interview.time_limit
    timed = f", {limit / 60:g} min" if limit is not None else ""
    return f"({interview.rubric.topic}{timed})"


def render_report(report: LoopReport, style: Style) -> str:
    """The end-of-loop report as terminal text."""
    asked = len(report.questions)
    out = [
        "",
        style.bold(f"Mock interview report (loop {report.loop_id})"),
        f"{asked} of {asked + len(report.not_asked)} question(s) asked.",
        "",
        "  #  question                        outcome       def imp exa tra  time   practise",
    ]
    for q in report.questions:
        nums = "".join(f"{style.score(q.best[d])}   " for d in DIMENSIONS)  # one digit each
        practise = q.weakest.value if q.weakest else "-"
        out.append(
            f"  {q.number:<2} {q.question_id:<31} {q.outcome.value:<13} {nums}"
            f"{mmss(q.elapsed):>5}  {practise}"
        )
    if report.not_asked:
        out.append(f"Not asked (the loop was ended): {', '.join(report.not_asked)}")
    out.append("")
    if report.practise_next is not None:
        out.append(
            f"{style.bold('Practise next:')} {report.practise_next.value} - {report.reason}."
        )
    else:
        out.append(f"{style.bold('Practise next:')} nothing stands out - {report.reason}.")
    files = [q.transcript for q in report.questions if q.transcript]
    if files:
        out += ["", f"Transcripts (one per question, loop {report.loop_id}):"]
        out += [f"  {f}" for f in files]
        out.append(
            "See every answer graded: followup replay <transcripts>; "
            "your practice over time: followup progress"
        )
    return "\n".join(out) + "\n"


EPILOG = """\
in the loop:
  answer over as many lines as you like; an empty line sends. /next ends the current
  question and moves on, /quit ends the loop (the report covers the questions asked so far),
  /hint /skip /score /help work as in 'followup chat'. Ctrl-C or end of input end the loop.

time limit:
  with --time-limit, a terminal shows the time used and left before each answer. The
  answer you send once it is up still counts, then the question ends 'out-of-time' (the
  limit and the time used are in the transcript).

transcripts:
  one per question, each like a chat transcript, linked by the loop id they share; saved as
  you go to the data directory (or --transcript-dir). 'followup progress' reads them with
  your chat sessions; 'followup replay' re-grades them into a coach's report.

scripted runs:
  piped input works: answers separated by one empty line, e.g.
    printf 'first answer\\n\\nsecond answer\\n\\n/next\\n...' | followup mock --seed 1
"""
