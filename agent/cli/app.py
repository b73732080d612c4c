"""The ``followup`` command: a thin layer of options over library functions.

Each command is a module with ``add_parser`` (its options) and ``run`` (what it does); this
module puts them under one parser and turns every ``FollowupError`` into one line and exit 2.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from agent.cli import chat, evaluate, mock, progress, questions, replay, rubric
from agent.errors import FollowupError
from agent.version import __version__

EXIT_USAGE = 2
COMMANDS = (chat, mock, progress, evaluate, replay, questions, rubric)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="followup",
        description=(
            "Practise machine-learning interviews. followup asks a question, grades each answer "
            "on definition, implication, example and tradeoff (0-3), and asks the follow-up "
            "probe that targets your weakest dimension. Works offline by default."
        ),
    )
    parser.add_argument("--version", action="version", version=f"followup {__version__}")
    parser.add_argument(
        "--rubrics",
        type=Path,
        default=None,
        help="a directory of rubric files to use instead of the built-in question bank",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit status."""
    if stdin is None:
        stdin = sys.stdin
        if isinstance(stdin, io.TextIOWrapper):
            # Bytes that are not UTF-8 reach the REPL as surrogates it can repair, never as a
            # decoding error halfway through an interview.
            stdin.reconfigure(errors="surrogateescape")
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_USAGE
    try:
        status: int = args.handler(args, stdin, stdout)
    except FollowupError as exc:
        stderr.write(f"followup: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
