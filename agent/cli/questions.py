"""``followup questions``: list the question bank."""

from __future__ import annotations

import argparse
from typing import TextIO

from agent.cli.options import bank_for, in_topic


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    questions = sub.add_parser("questions", help="list the question bank")
    questions.add_argument("--topic", "-t", metavar="TOPIC", help="only this topic")
    questions.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    rows = in_topic(bank_for(args), args.topic)
    width = max(len(r.id) for r in rows)
    for r in rows:
        stdout.write(f"{r.id:<{width}}  {r.topic:<12}  {r.question}\n")
    return 0
