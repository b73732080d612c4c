"""``followup chat``: one practice interview in the terminal, the transcript saved as it goes."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from agent.cli.options import (
    add_backend_options,
    backend_for,
    bank_for,
    pick_question,
    positive,
    try_transcript,
)
from agent.cli.progress import due_questions, nothing_due, saved_progress
from agent.cli.repl import run_chat, terminal
from agent.session import (
    DEFAULT_MAX_TURNS,
    Interview,
    default_transcript_path,
)
from agent.version import __version__


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = sub.add_parser(
        "chat",
        help="practise: one question, live probes, a graded summary",
        description=(
            "Start a practice interview. Answer over several lines; an empty line sends. "
            "In a terminal, paste whole answers, edit with the arrow keys, recall earlier "
            "answers with Up, clear with Ctrl-C; Ctrl-C on an empty prompt or Ctrl-D ends. "
            "Commands: /hint /skip /score /quit /help. The transcript is saved as you go."
        ),
    )
    which = chat.add_mutually_exclusive_group()
    which.add_argument(
        "--question", "-q", metavar="ID", help="question id (see 'followup questions')"
    )
    which.add_argument("--topic", "-t", metavar="TOPIC", help="a random question from this topic")
    which.add_argument(
        "--due",
        action="store_true",
        help="the question most overdue for review (see 'followup progress'); when none is "
        "due, say so and suggest the weakest one",
    )
    chat.add_argument(
        "--max-turns",
        type=positive,
        default=DEFAULT_MAX_TURNS,
        help=f"answers before the interview ends (default {DEFAULT_MAX_TURNS})",
    )
    chat.add_argument(
        "--transcript",
        type=Path,
        metavar="PATH",
        help="where to write the JSONL transcript (default: a new file in the per-user data "
        "directory; FOLLOWUP_HOME overrides that directory)",
    )
    chat.add_argument("--seed", type=int, help="seed for the random question choice")
    add_backend_options(chat)
    chat.add_argument(
        "--no-color", action="store_true", help="never use colour (so does NO_COLOR=1)"
    )
    chat.set_defaults(handler=run)


def _ending(path: Path, interview: Interview, unwritable: str | None) -> str:
    if unwritable:
        return f"Not saved ({unwritable})"
    if interview.transcript_error and not path.exists():
        return f"Not saved ({interview.transcript_error})"
    if interview.transcript_error:
        return f"Transcript saved up to where writing failed: {path}"
    return f"Transcript saved to {path}"


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    bank = bank_for(args)
    question = args.question
    if args.due:
        saved = saved_progress(bank, None, None, sys.stderr)
        due = due_questions(saved, bank)
        if not due:
            stdout.write(nothing_due(saved) + "\n")
            return 0
        question = due[0]
    rubric = pick_question(bank, question, args.topic, args.seed)
    backend = backend_for(args)
    path: Path = args.transcript or default_transcript_path(rubric.id)
    writer, unwritable = try_transcript(path, chosen=args.transcript is not None)
    interview = Interview(rubric, backend, max_turns=args.max_turns, writer=writer)
    model = f", model {backend.model}" if backend.model else ""
    banner = f"followup {__version__} - grader: {backend.name}{model} - question: {rubric.id}"
    if args.due:
        banner += " (the most overdue for review)"
    if unwritable:
        banner += f"\n({unwritable}; this session will not be saved)"
    color = stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
    run_chat(
        interview,
        stdin,
        stdout,
        color=color,
        banner=banner,
        on_end=lambda: _ending(path, interview, unwritable),
        term=terminal(stdin, stdout, color),
    )
    return 0
