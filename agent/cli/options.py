"""Options and helpers shared by the commands: whole numbers, the grader options, the bank,
writing a report."""

from __future__ import annotations

import argparse
import os
import random
from pathlib import Path
from typing import TextIO

from agent.bank import Bank, Rubric, load_bank
from agent.cli.terminal import write_atomic
from agent.errors import UsageError
from agent.grading import BACKEND_NAMES, Backend, LLMConfig, get_backend, load_config
from agent.session import TranscriptWriter


def positive(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def add_output_options(
    parser: argparse.ArgumentParser, formats: tuple[str, ...], kinds: str
) -> None:
    """``--format`` (one of ``formats``, described by ``kinds``) and ``-o FILE`` for a report."""
    parser.add_argument(
        "--format",
        "-f",
        choices=formats,
        help=f"{kinds} (default: from the -o file's suffix, else text)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report here, not to stdout"
    )


SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".json": "json", ".txt": "text"}


def output_format(requested: str | None, output: Path | None, formats: tuple[str, ...]) -> str:
    """The format asked for, else the one the output file's extension names, else text.

    Raises:
        UsageError: no format asked for and the extension names none of ``formats``.
    """
    if requested:
        return requested
    if output is None or str(output) == "-":
        return "text"
    fmt = SUFFIX_FORMATS.get(output.suffix.lower())
    if fmt is None or fmt not in formats:
        known = ", ".join(s for s, f in SUFFIX_FORMATS.items() if f in formats)
        raise UsageError(
            f"cannot tell the report format from {output.name!r}: end it in one of {known}, "
            f"or name the format with -f ({', '.join(formats)})"
        )
    return fmt


def write_output(text: str, output: Path | None, stdout: TextIO) -> None:
    """A report to ``output`` (UTF-8, written whole or not at all), or to stdout when None.

    Raises:
        UsageError: the file cannot be written.
    """
    if output is None or str(output) == "-":
        stdout.write(text)
        return
    write_atomic(output, text)


def try_transcript(path: Path, chosen: bool) -> tuple[TranscriptWriter | None, str | None]:
    """A new transcript file (one that exists is never overwritten), or None and why when the
    default place cannot be written (the session then runs unsaved).

    Raises:
        UsageError: the file exists, or a path the user ``chosen`` cannot be created.
    """
    try:
        return TranscriptWriter(path), None
    except FileExistsError:
        raise UsageError(f"the transcript {path} already exists; choose another path") from None
    except OSError as exc:
        why = f"cannot write the transcript {path}: {exc.strerror}"
        if chosen:
            raise UsageError(why) from exc
        return None, why


def open_transcript(path: Path) -> TranscriptWriter:
    """A new transcript file, whatever the path.

    Raises:
        UsageError: the file exists or cannot be written.
    """
    writer, _ = try_transcript(path, chosen=True)
    assert writer is not None  # a chosen path that fails raises
    return writer


def bank_for(args: argparse.Namespace) -> Bank:
    """The question bank ``--rubrics`` names, else the built-in one."""
    rubrics: Path | None = args.rubrics
    return load_bank(rubrics)


def in_topic(bank: Bank, topic: str | None) -> list[Rubric]:
    """The bank's questions of one topic (all when None), in file order."""
    pool = [r for r in bank.rubrics.values() if topic is None or r.topic == topic]
    if not pool:
        raise UsageError(f"unknown topic {topic!r}; topics: {', '.join(bank.topics())}")
    return pool


def pick_question(bank: Bank, question: str | None, topic: str | None, seed: int | None) -> Rubric:
    """The question a chat asks: by id, at random within a topic, or at random."""
    if question:
        return bank.get(question)
    return random.Random(seed).choice(in_topic(bank, topic))


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """The grader options shared by chat, replay and eval."""
    parser.add_argument(
        "--backend",
        "--grader",
        dest="backend",
        choices=BACKEND_NAMES,
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


def settings_for(args: argparse.Namespace) -> LLMConfig:
    """The grader settings of a command with the backend options: flags, environment, file.

    Raises:
        ConfigError: the settings do not add up (the message says which).
    """
    flags = {"backend": args.backend, "model": args.model, "base_url": args.base_url}
    return load_config(flags, os.environ, args.config)


def backend_for(args: argparse.Namespace, *, cache: bool = False) -> Backend:
    """The backend a command's options ask for (see ``settings_for``)."""
    return get_backend(settings_for(args), cache=cache)
