"""The ``followup`` command: a thin layer of options over library functions."""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from agent import __version__
from agent.bank.rubric import Bank, Rubric, RubricError, load_bank
from agent.cli.repl import run_chat
from agent.evals.cases import CaseFileError, load_suites
from agent.evals.runner import (
    Gates,
    load_gates,
    render_table,
    run_suites,
    validate_gates,
    write_junit,
)
from agent.grading.backend import Backend, OfflineBackend
from agent.session.interview import Interview
from agent.session.policy import DEFAULT_MAX_TURNS
from agent.session.transcript import TranscriptWriter, default_transcript_path

EXIT_USAGE = 2
DEFAULT_GATES = Path("evals") / "gates.yaml"


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _bank(args: argparse.Namespace) -> Bank:
    return load_bank(args.rubrics)


def pick_question(bank: Bank, question: str | None, topic: str | None, seed: int | None) -> Rubric:
    """The question a chat asks: by id, at random within a topic, or at random."""
    if question:
        return bank.get(question)
    return random.Random(seed).choice(in_topic(bank, topic))


def in_topic(bank: Bank, topic: str | None) -> list[Rubric]:
    """The bank's questions of one topic (all when None), in file order."""
    pool = [r for r in bank.rubrics.values() if topic is None or r.topic == topic]
    if not pool:
        raise UsageError(f"unknown topic {topic!r}; topics: {', '.join(bank.topics())}")
    return pool


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """The grader options shared by chat, replay and eval."""
    parser.add_argument(
        "--backend",
        "--grader",
        dest="backend",
        choices=["offline", "openai"],
        default=None,
        help="who grades: the built-in offline grader (default) or a model behind any "
        "OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp)",
    )
    parser.add_argument(
        "--model", metavar="NAME", help="the model to use (env FOLLOWUP_MODEL); implies openai"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the endpoint, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL); implies openai",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a TOML config file (default: $XDG_CONFIG_HOME/followup/config.toml if it exists)",
    )


def make_backend(args: argparse.Namespace) -> Backend:
    """The backend the options ask for (flags, then environment, then the config file)."""
    from agent.grading.llm.config import ConfigError, load_config

    flags = {
        "backend": getattr(args, "backend", None),
        "model": getattr(args, "model", None),
        "base_url": getattr(args, "base_url", None),
    }
    try:
        config = load_config(flags, os.environ, getattr(args, "config", None))
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    if config.backend == "offline":
        return OfflineBackend()
    from agent.grading.llm.cache import ReplyCache
    from agent.grading.llm.openai_backend import OpenAIBackend

    # Only eval caches replies (it has --no-cache); a practice session always asks the model.
    use_cache = getattr(args, "no_cache", True) is False
    return OpenAIBackend(config, cache=ReplyCache() if use_cache else None)


def _progress_bar(stream: TextIO) -> Callable[[int, int], None] | None:
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cases")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


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
    try:
        if path is not None:
            return load_gates(path, given)
        return validate_gates(given, "command line")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _writable(path: Path | None) -> None:
    """Fail before a long run, not after it, when a report cannot be written."""
    if path is None:
        return
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc


def cmd_eval(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    bank = _bank(args)
    gates = _gates(args)
    _writable(args.json)
    _writable(args.junit)
    try:
        suites = load_suites(list(args.paths), bank)
    except CaseFileError as exc:
        raise UsageError(str(exc)) from exc
    backend = make_backend(args)
    report = run_suites(
        suites,
        bank,
        backend,
        gates,
        concurrency=args.concurrency or (4 if backend.name == "openai" else 1),
        progress=_progress_bar(sys.stderr),
    )
    stdout.write(render_table(report) + "\n")
    if args.json:
        args.json.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if args.junit:
        write_junit(report, args.junit)
    if report.metrics.unscored > gates.max_unscored:
        raise UsageError(
            f"{report.metrics.unscored} grade(s) could not be produced "
            f"(allowed: {gates.max_unscored}); the run says nothing about agreement"
        )
    return 0 if all(g.passed for g in report.gates) else 1


def cmd_chat(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    bank = _bank(args)
    rubric = pick_question(bank, args.question, args.topic, args.seed)
    backend = make_backend(args)
    path: Path = args.transcript or default_transcript_path(rubric.id)
    try:
        writer = TranscriptWriter(path)
    except FileExistsError:
        raise UsageError(f"the transcript {path} already exists; choose another path") from None
    except OSError as exc:
        raise UsageError(f"cannot write the transcript {path}: {exc.strerror}") from exc
    interview = Interview(rubric, backend, max_turns=args.max_turns, writer=writer)
    model = f", model {backend.model}" if backend.model else ""
    banner = f"followup {__version__} - grader: {backend.name}{model} - question: {rubric.id}"
    color = (not args.no_color) and stdout.isatty()
    run_chat(
        interview,
        stdin,
        stdout,
        color=color,
        banner=banner,
        on_end=lambda: f"Transcript saved to {path}",
    )
    return 0


def cmd_questions(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    bank = _bank(args)
    rows = in_topic(bank, args.topic)
    width = max(len(r.id) for r in rows)
    for r in rows:
        stdout.write(f"{r.id:<{width}}  {r.topic:<12}  {r.question}\n")
    return 0


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

    chat = sub.add_parser(
        "chat",
        help="practise: one question, live probes, a graded summary",
        description=(
            "Start a practice interview. Answer over several lines; an empty line sends. "
            "Commands: /hint /skip /score /quit /help. The transcript is saved as you go."
        ),
    )
    which = chat.add_mutually_exclusive_group()
    which.add_argument(
        "--question", "-q", metavar="ID", help="question id (see 'followup questions')"
    )
    which.add_argument("--topic", "-t", metavar="TOPIC", help="a random question from this topic")
    chat.add_argument(
        "--max-turns",
        type=_positive,
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
    chat.add_argument("--no-color", action="store_true", help="never use colour")
    chat.set_defaults(handler=cmd_chat)

    evaluate = sub.add_parser(
        "eval",
        help="run canned-answer suites and gate on agreement with human labels",
        description=(
            "Grade every canned answer and run every canned dialogue in the given case files "
            "(or directories of *.yaml), compare with the human labels, and exit 0 when the "
            "gates hold, 1 when a metric is below its gate or a dialogue failed, 2 when the "
            "harness could not do its job."
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
        type=_positive,
        default=None,
        help="cases graded at once (default 1; 4 with --backend openai)",
    )
    evaluate.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the model again even when a cached reply exists for the same prompt",
    )
    evaluate.set_defaults(handler=cmd_eval)

    from agent.replay.regrade import REPLAY_EPILOG, cmd_replay

    replay = sub.add_parser(
        "replay",
        help="re-grade saved or pasted transcripts and write a coach's report",
        description=(
            "Re-grade every candidate answer in the given transcripts with the chosen grader, "
            "without re-running the conversation, and report per turn: the scores with their "
            "evidence, the probe that was asked beside the probe the agent would ask now, and "
            "the running best score; then the outcome, the weakest dimension, the senior-layer "
            "probes still worth practising and a strong reference answer."
        ),
        epilog=REPLAY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="transcript files, directories (searched recursively for *.jsonl and *.txt), "
        "or - for standard input",
    )
    replay.add_argument(
        "--question",
        "-q",
        metavar="ID",
        help="the question of plain-text transcripts (default: matched to the bank by wording)",
    )
    replay.add_argument(
        "--format",
        "-f",
        choices=["text", "md", "html", "json"],
        help="text (terminal, the default), md, html (one self-contained file) or json "
        "(default: from the -o file's suffix, else text)",
    )
    replay.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report here, not to stdout"
    )
    add_backend_options(replay)
    replay.set_defaults(handler=cmd_replay)

    questions = sub.add_parser("questions", help="list the question bank")
    questions.add_argument("--topic", "-t", metavar="TOPIC", help="only this topic")
    questions.set_defaults(handler=cmd_questions)
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
    except (RubricError, UsageError) as exc:
        stderr.write(f"followup: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
