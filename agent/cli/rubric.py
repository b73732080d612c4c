"""``followup rubric``: check rubric files a coach wrote, and print the rubric JSON Schema."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from agent.bank import SCHEMA_FILE, load_rubric, rubric_schema_text
from agent.errors import RubricError
from agent.grading.offline.check import points_made, render_points

EPILOG = f"""\
check:
  validates each file against the rubric schema (an unknown or misspelt key is an error that
  names the file and the field), compiles every regex, then shows which points the offline
  grader finds in the rubric's own reference and weak answers, and in --try / --try-file.
  Exit 0 when every file is valid, 2 when any is not (the others are still checked).

schema:
  prints the JSON Schema of a rubric file; the built-in bank ships it as {SCHEMA_FILE}, and
  each rubric names it on its first line so an editor completes and validates as you type.
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "rubric",
        help="check rubric files you wrote, or print the rubric JSON Schema",
        description="Work on question-bank rubrics (rubrics/<id>.yaml).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate rubric files and show the points found")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--try", dest="answer", metavar="TEXT", help="an answer to match")
    check.add_argument("--try-file", type=Path, metavar="FILE", help="read the answer from FILE")
    check.set_defaults(handler=run_check)
    schema = actions.add_parser("schema", help="print the JSON Schema of a rubric file")
    schema.set_defaults(handler=run_schema)


def _tried(args: argparse.Namespace) -> list[tuple[str, str]]:
    tried = [("--try", args.answer)] if args.answer else []
    if args.try_file:
        try:
            tried.append(("--try-file", args.try_file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise RubricError(f"{args.try_file}: cannot read: {exc}") from exc
    return tried


def run_check(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    tried = _tried(args)
    status = 0
    for path in args.files:
        try:
            rubric = load_rubric(path)
        except RubricError as exc:
            stdout.write(f"error: {exc}\n")
            status = 2
            continue
        stdout.write(f"ok: {path}\n")
        answers = [
            ("reference_answer", rubric.reference_answer),
            ("weak_answer", rubric.weak_answer),
        ]
        for label, answer in answers + tried:
            stdout.write(render_points(points_made(rubric, label, answer)) + "\n")
    return status


def run_schema(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    stdout.write(rubric_schema_text())
    return 0
