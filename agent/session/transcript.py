"""Versioned JSONL transcripts: one typed event per line, flushed as it happens.

The first line is a ``session`` event carrying the format ``version``. A killed process loses at
most the line being written: every event is written whole, flushed and fsynced before the
session moves on. ``read_transcript`` tolerates a cut-off last line (a crash mid-write).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, TextIO

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agent.bank.rubric import Dimension
from agent.errors import TranscriptError
from agent.grading.backend import Usage
from agent.grading.grade import Grade
from agent.models import Strict
from agent.resources import user_dir
from agent.session.policy import Outcome, ProbeSource
from agent.text import decode_utf8

FORMAT_VERSION = 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Event(Strict):
    at: str = Field(default_factory=now)


class SessionEvent(_Event):
    type: Literal["session"] = "session"
    version: int = FORMAT_VERSION
    session_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    question_id: str
    grader: str
    model: str | None = None
    max_turns: int


class QuestionEvent(_Event):
    type: Literal["question"] = "question"
    text: str


class AnswerEvent(_Event):
    type: Literal["answer"] = "answer"
    turn: int
    text: str


class GradeEvent(_Event):
    type: Literal["grade"] = "grade"
    turn: int
    grade: Grade
    fallback: bool = False
    """True when the configured backend failed and this turn was graded offline."""
    notes: list[str] = Field(default_factory=list)
    usage: Usage | None = None
    """Model calls and tokens for this turn (absent for the offline grader and old files)."""


class ProbeEvent(_Event):
    type: Literal["probe"] = "probe"
    turn: int
    dimension: Dimension
    text: str
    source: ProbeSource = ProbeSource.BANK


class SkipEvent(_Event):
    type: Literal["skip"] = "skip"
    turn: int
    dimension: Dimension


class EndEvent(_Event):
    type: Literal["end"] = "end"
    outcome: Outcome
    answers: int
    best: dict[Dimension, int]


Event = Annotated[
    SessionEvent | QuestionEvent | AnswerEvent | GradeEvent | ProbeEvent | SkipEvent | EndEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def data_dir() -> Path:
    """The per-user directory transcripts go to by default (XDG on Linux, the usual elsewhere)."""
    override = os.environ.get("FOLLOWUP_HOME")
    if override:
        return Path(override)
    return user_dir("data")


def transcripts_dir() -> Path:
    """Where ``followup chat`` saves transcripts unless told otherwise."""
    return data_dir() / "transcripts"


def default_transcript_path(question_id: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return transcripts_dir() / f"{stamp}-{question_id}-{uuid.uuid4().hex[:6]}.jsonl"


class TranscriptWriter:
    """Writes events to a new JSONL file, one durable line per event.

    Raises:
        FileExistsError: the file exists already (a transcript is never overwritten).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = path.open("x", encoding="utf-8")

    def write(self, event: BaseModel) -> None:
        line = event.model_dump_json()
        self._file.write(line + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_transcript(path: Path) -> tuple[list[Event], list[str]]:
    """Read every event of a transcript.

    Returns:
        The events, and warnings (e.g. a last line cut off by a crash, which is skipped).

    Raises:
        TranscriptError: unreadable file, or a line that is not an event (other than the last).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read: {exc.strerror}") from exc
    text = decode_utf8(data, str(path), TranscriptError)
    return parse_transcript(text, str(path))


def parse_transcript(text: str, path: str) -> tuple[list[Event], list[str]]:
    """Parse a transcript's text (``read_transcript`` without the file; e.g. from stdin)."""
    numbered, warnings = parse_lines(text, path)
    return [event for _, event in numbered], warnings


def parse_lines(text: str, path: str) -> tuple[list[tuple[int, Event]], list[str]]:
    """``parse_transcript``, each event with the number of the line it is on.

    Lines end at ``\n`` only: JSON may carry U+2028 or U+0085 unescaped inside a string, and
    ``str.splitlines`` would cut such an answer in two.

    Args:
        text: the JSONL.
        path: what messages call the source.

    Raises:
        TranscriptError: ``path:line:column: ...`` for a line that is not an event (other than
            a cut-off last line), or no events.
    """
    events: list[tuple[int, Event]] = []
    warnings: list[str] = []
    lines = (line.removesuffix("\r") for line in text.split("\n"))
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    _check_version(numbered[0] if numbered else None, path)
    for n, line in numbered:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            if n == numbered[-1][0]:
                warnings.append(f"{path}:{n}: last line is cut off (crash while writing); skipped")
                continue
            raise TranscriptError(f"{path}:{n}:{exc.colno}: not JSON: {exc.msg}") from exc
        try:
            events.append((n, EVENT_ADAPTER.validate_python(raw)))
        except ValidationError as exc:
            column, detail = event_problem(line, raw, exc)
            raise TranscriptError(f"{path}:{n}:{column}: not a transcript event: {detail}") from exc
    if not events:
        raise TranscriptError(f"{path}: empty transcript")
    first_line, first = events[0]
    if not isinstance(first, SessionEvent):
        raise TranscriptError(
            f"{path}:{first_line}:1: the first event must be the session event, not {first.type!r}"
        )
    return events, warnings


EVENT_TYPES = ("session", "question", "answer", "grade", "probe", "skip", "end")


def event_problem(line: str, raw: object, exc: ValidationError) -> tuple[int, str]:
    """Where a JSON line fails to be an event (a column, from 1) and why, in plain words.

    The column is that of the offending key when the line names it, else 1; the words never
    quote pydantic ("Unable to extract tag using discriminator").
    """
    kinds = ", ".join(EVENT_TYPES)
    error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    if not isinstance(raw, dict):
        return 1, "each line must be one JSON object"
    if error["type"] == "union_tag_not_found":
        return 1, f'no "type" (one of {kinds})'
    if error["type"] == "union_tag_invalid":
        return _column(line, "type"), f"unknown event type {raw.get('type')!r} (one of {kinds})"
    kind, *where = [str(part) for part in error["loc"]]
    field = ".".join(where) or "(the event)"
    column = _column(line, where[-1]) if where else 1
    if error["type"] == "extra_forbidden":
        return column, f"{kind} event: unknown key {field!r} (a misspelling?)"
    if error["type"] == "missing":
        return column, f"{kind} event: {field!r} is missing"
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Input ")
    return column, f"{kind} event: {field!r}: {message}"


def _column(line: str, key: str) -> int:
    """The column (from 1) where ``"key"`` occurs in a JSON line, else 1."""
    found = line.find(json.dumps(key))
    return found + 1 if found >= 0 else 1


def _check_version(first: tuple[int, str] | None, path: str) -> None:
    """A newer format is named as such, before its new fields fail validation."""
    if first is None:
        return
    try:
        raw = json.loads(first[1])
    except json.JSONDecodeError:
        return
    version = raw.get("version") if isinstance(raw, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise TranscriptError(
            f"{path}:{first[0]}: format version {version} is newer than this followup "
            f"understands ({FORMAT_VERSION}); upgrade followup"
        )
