"""``followup replay``: re-grade saved or pasted transcripts into a coach's report."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from agent.cli.options import (
    add_backend_options,
    add_output_options,
    backend_for,
    bank_for,
    output_format,
    write_output,
)
from agent.errors import InputError
from agent.replay import FORMATS, STDIN, render, replay
from agent.text import decode_utf8


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "replay",
        help="re-grade saved or pasted transcripts and write a coach's report",
        description=(
            "Re-grade every candidate answer in the given transcripts with the chosen grader, "
            "without re-running the conversation, and report per turn: the scores with their "
            "evidence, the probe that was asked beside the probe the agent would ask now, and "
            "the running best score; then the outcome, the weakest dimension, the senior-layer "
            "probes still worth practising and a strong reference answer."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="transcript files, directories (searched recursively for *.jsonl and *.txt), "
        "or - for standard input",
    )
    parser.add_argument(
        "--question",
        "-q",
        metavar="ID",
        help="the question of plain-text transcripts (default: matched to the bank by wording)",
    )
    add_output_options(
        parser,
        FORMATS,
        "text (terminal, the default), md, html (one self-contained file) or json",
    )
    add_backend_options(parser)
    parser.set_defaults(handler=run)


def read_stdin(stdin: TextIO) -> tuple[str | None, list[str]]:
    """Standard input's text, or the error that names the line where it is not UTF-8.

    The bytes are decoded here: a terminal's decoder may be strict or may smuggle bad bytes
    through as surrogates, and either way the error should name the line.
    """
    buffer = getattr(stdin, "buffer", None)
    raw = buffer.read() if buffer is not None else stdin.read().encode("utf-8", "surrogateescape")
    try:
        return decode_utf8(raw, "<stdin>", InputError), []
    except InputError as exc:
        return None, [str(exc)]


def run(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Exit 0, or 2 when any transcript could not be reported."""
    err = stderr or sys.stderr
    bank = bank_for(args)
    if args.question is not None:
        bank.get(args.question)  # raises RubricError naming the known ids
    sources: list[str] = list(args.paths)
    stdin_text: str | None = None
    stdin_errors: list[str] = []
    if STDIN in sources:
        stdin_text, stdin_errors = read_stdin(stdin)
        if stdin_text is None:
            sources = [s for s in sources if s != STDIN]
    report = replay(sources, bank, backend_for(args), args.question, stdin_text)
    if stdin_errors:
        report = report.model_copy(update={"errors": stdin_errors + report.errors})
    for session in report.sessions:
        for warning in session.warnings:
            err.write(f"followup: warning: {warning}\n")
    for error in report.errors:
        err.write(f"followup: error: {error}\n")
    if report.sessions:
        text = render(report, output_format(args.format, args.output, FORMATS))
        write_output(text, args.output, stdout)
    return 2 if report.errors else 0


EPILOG = """\
inputs:
  JSONL transcripts written by 'followup chat' (a last line cut off by a crash is skipped
  with a warning), and plain-text transcripts with speaker lines 'Interviewer:' and
  'Candidate:' (or 'Q:' and 'A:'); a turn runs on until the next speaker line. The first
  interviewer turn is the question: it is matched to the bank by its wording, or named with
  --question ID. A line 'Date: YYYY-MM-DD' above the first speaker line dates a plain-text
  session (otherwise its file time is used).

formats:
  text  plain text for the terminal (default)
  md    Markdown, for a pull request, a gist or a notes app
  html  one self-contained page (inline CSS and SVG chart, no scripts, no external files),
        readable on a phone and printable
  json  the report's data, for scripts

cohort view (when more than one transcript is reported):
  transcripts carry no candidate name, so each file's candidate is the name of the directory
  holding it: keep COACH-DIR/<candidate>/<session files> and run
  'followup replay COACH-DIR'. Per candidate and question, the report shows how each
  dimension's best score moved from the first session to the last (in date order: session
  start, or the Date line or file time for plain text) and which dimension is missed most
  often (the lowest final score, counted across sessions) - what to practise next.

exit status:
  0 every transcript was reported; 2 some could not be (one error line each on stderr, the
  rest are still reported).
"""
