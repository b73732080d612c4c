"""``followup replay``: re-grade saved or pasted transcripts into a coach's report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from agent.cli.options import (
    SUFFIX_FORMATS,
    add_backend_options,
    backend_for,
    bank_for,
    output_format,
)
from agent.cli.terminal import progress_bar, write_atomic
from agent.errors import InputError, UsageError
from agent.replay import FORMATS, STDIN, discover, render, replay
from agent.replay.inputs import MAX_TRANSCRIPT_MB, TRANSCRIPT_SUFFIXES, too_large
from agent.text import decode_utf8

PROGRESS_AFTER = 0.5
"""Seconds of re-grading before a progress bar appears on a terminal."""


def positive_mb(value: str) -> float:
    """An argparse type: a size in MB above 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of MB") from None
    if not number > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


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
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        help="text (terminal, the default), md, html (one self-contained file) or json "
        "(default: from the -o file's extension)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the report here (never over an input; the old file is replaced only once "
        "the new one is complete), not to stdout",
    )
    parser.add_argument(
        "--max-mb",
        type=positive_mb,
        default=MAX_TRANSCRIPT_MB,
        metavar="MB",
        help=f"refuse a transcript larger than this, before reading it (default "
        f"{MAX_TRANSCRIPT_MB} MB, which re-grades in under a minute)",
    )
    add_backend_options(parser)
    parser.set_defaults(handler=run)


def refuse_overwriting_inputs(output: Path, paths: list[str]) -> list[str]:
    """Stop before anything is read when ``output`` is one of the inputs.

    An input is any transcript named or found in a directory named; it is the output when it
    is the same path or the same file (a hard or symbolic link to it).

    Returns:
        Warnings: the report will land where the next replay of a directory reads it.

    Raises:
        UsageError: the report would overwrite an input transcript.
    """
    files, _ = discover([p for p in paths if p != STDIN])
    target = output.resolve()
    for name in files:
        if Path(name).resolve() == target or _same_file(Path(name), output):
            raise UsageError(
                f"refusing to write the report over the transcript {name} (it is an input); "
                "give -o another file"
            )
    if output.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        return []
    return [
        f"{output} is inside {folder}: the next 'followup replay {folder}' will read the "
        "report as a transcript"
        for folder in paths
        if folder != STDIN
        and Path(folder).is_dir()
        and target.is_relative_to(Path(folder).resolve())
    ]


def settle_output(
    output: Path | None, requested: str | None, paths: list[str]
) -> tuple[str, list[str]]:
    """Everything about ``-o``, settled before any input is read or anything written.

    Returns:
        The format, and warnings to print (``-f`` names another format than the extension;
        the report lands where the next replay of a directory will read it).

    Raises:
        UsageError: ``output`` is an input, its extension names no format (and ``-f`` none),
            or its directory cannot take it.
    """
    if output is None:
        return output_format(requested, None, FORMATS), []
    notes = refuse_overwriting_inputs(output, paths)
    fmt = output_format(requested, output, FORMATS)
    writable_folder(output)
    implied = SUFFIX_FORMATS.get(output.suffix.lower())
    if implied is not None and implied != fmt:
        notes.append(f"writing {fmt} to {output} (-f wins over the extension)")
    return fmt, notes


def writable_folder(output: Path) -> None:
    """Fail before a long replay, not after it, when the report's folder cannot take it."""
    folder = output.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {output}: no such directory {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {output}: the directory {folder} is not writable")


def _same_file(a: Path, b: Path) -> bool:
    """Both paths name one file (same device and inode: a hard link, a symbolic link)."""
    try:
        return os.path.samestat(a.stat(), b.stat())
    except OSError:
        return False


def read_stdin(stdin: TextIO, max_bytes: int) -> tuple[str | None, list[str]]:
    """Standard input's text, or the error that says why not (too large, not UTF-8).

    The bytes are decoded here: a terminal's decoder may be strict or may smuggle bad bytes
    through as surrogates, and either way the error should name the line and column.
    """
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        raw = buffer.read(max_bytes + 1)
    else:
        raw = stdin.read(max_bytes + 1).encode("utf-8", "surrogateescape")
    if len(raw) > max_bytes:
        return None, [str(too_large("<stdin>", None, max_bytes))]
    try:
        return decode_utf8(raw, "<stdin>", InputError), []
    except InputError as exc:
        return None, [str(exc)]


def _write(text: str, output: Path | None, stdout: TextIO) -> None:
    if output is None:
        stdout.write(text)
    else:
        write_atomic(output, text)


def run(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Exit 0, or 2 when any transcript could not be reported."""
    err = stderr or sys.stderr
    output: Path | None = None if args.output in (None, Path("-")) else args.output
    sources: list[str] = list(args.paths)
    fmt, notes = settle_output(output, args.format, sources)
    bank = bank_for(args)
    if args.question is not None:
        bank.get(args.question)  # raises RubricError naming the known ids
    max_bytes = int(args.max_mb * 10**6)
    stdin_text: str | None = None
    stdin_errors: list[str] = []
    if STDIN in sources:
        stdin_text, stdin_errors = read_stdin(stdin, max_bytes)
        if stdin_text is None:
            sources = [s for s in sources if s != STDIN]
    bar = progress_bar(err, "answers re-graded", delay=PROGRESS_AFTER)
    report = replay(
        sources,
        bank,
        backend_for(args),
        args.question,
        stdin_text,
        max_bytes=max_bytes,
        progress=bar,
    )
    if stdin_errors:
        report = report.model_copy(update={"errors": stdin_errors + report.errors})
    for warning in notes + [w for s in report.sessions for w in s.warnings]:
        err.write(f"followup: warning: {warning}\n")
    for error in report.errors:
        err.write(f"followup: error: {error}\n")
    if report.sessions:
        _write(render(report, fmt), output, stdout)
    return 2 if report.errors else 0


EPILOG = f"""\
inputs:
  JSONL transcripts written by 'followup chat' (a last line cut off by a crash is skipped
  with a warning), and plain-text transcripts with speaker lines 'Interviewer:' and
  'Candidate:' (or 'Q:' and 'A:'); a turn runs on until the next speaker line. The first
  interviewer turn is the question: it is matched to the bank by its wording, or named with
  --question ID. A line 'Date: YYYY-MM-DD' above the first speaker line dates a plain-text
  session (otherwise its file time is used). A problem in a file is named by
  file:line:column. A transcript over {MAX_TRANSCRIPT_MB} MB (some 35,000 short turns; a
  session is a few KB) is refused before it is read: split it, or raise --max-mb.

formats (-f; without it, from the -o file's extension):
  text  plain text for the terminal (default; .txt)
  md    Markdown, for a pull request, a gist or a notes app (.md)
  html  one self-contained page (inline CSS and SVG chart, no scripts, no external files):
        tables turn into cards on a phone, long sessions fold away, it prints whole
        (.html, .htm)
  json  the report's data, for scripts (.json)
  Any other extension is an error unless -f names the format. -o - writes to stdout.

the output file:
  -o never names an input: a transcript given, or found in a directory given, is refused
  (same path, or the same file through a link) before anything is read or written. The
  report is written to a temporary file beside it and renamed into place, so an old report
  is only ever replaced by a whole new one. On a terminal, a progress bar shows on stderr
  while a long replay runs.

cohort view (when more than one transcript is reported):
  transcripts carry no candidate name, so each file's candidate is the name of the directory
  holding it: keep COACH-DIR/<candidate>/<session files> and run
  'followup replay COACH-DIR'. Your own sessions, in the folder 'followup chat' saves to,
  are "you". Per candidate and question, the report shows how each dimension's best score
  moved from the first session to the last (in date order: session start, or the Date line
  or file time for plain text) and which dimension each question's sessions missed most
  often (a session misses its weakest dimension) - what to practise next. The candidate's
  headline is the dimension most of those question rows name.

exit status:
  0 every transcript was reported; 2 some could not be (one error line each on stderr, the
  rest are still reported), or the command was refused before it started.
"""
