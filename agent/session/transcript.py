"""Versioned JSONL transcripts: one typed event per line, flushed as it happens.

The first line is a ``session`` event carrying the format ``version``. A killed process loses at
most the line being written: every event is written whole, flushed and fsynced before the
session moves on. ``read_transcript`` tolerates a cut-off last line (a crash mid-write).

Versions (see ``FORMAT_VERSION``): each adds optional fields only, so older files still load as
they were. A frozen file of each version is under ``tests/fixtures/transcripts``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agent.bank.rubric import Dimension
from agent.errors import TranscriptError
from agent.grading.backend import Usage
from agent.grading.grade import Grade
from agent.models import Strict
from agent.resources import user_dir
from agent.session.policy import Outcome, ProbeSource
from agent.text import decode_utf8

FORMAT_VERSION = 3
"""2 added ``conversation`` to grade events (the conversation graded as a whole); 3 added
``loop_id`` and ``time_limit`` to the session event, ``elapsed`` to the end event and the
outcome ``out-of-time``. Every addition is optional, so version 1 and 2 files still load."""


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
    loop_id: str | None = None
    """The mock interview loop this question belongs to (version 3; None for a chat)."""
    time_limit: float | None = None
    """Seconds allowed for the question (version 3; None: no limit)."""


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
    conversation: Grade | None = None
    """The whole conversation up to this turn, graded as one (absent in version 1 files)."""
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
    elapsed: float | None = None
    """Seconds from the question being asked to the end (version 3)."""


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


def default_transcript_path(question_id: str, directory: Path | None = None) -> Path:
    """A new file name for a transcript, in ``directory`` (default: ``transcripts_dir()``)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = directory if directory is not None else transcripts_dir()
    return folder / f"{stamp}-{question_id}-{uuid.uuid4().hex[:6]}.jsonl"


class TranscriptWriter:
    """Writes events to a new JSONL file, one durable line per event.

    A line that cannot be written whole (a full disk, a file size limit, an I/O error) is cut
    back off the file, so what is on disk stays a valid transcript (or, when not even the first
    line fit, there is no file); the writer then closes and raises ``TranscriptError`` once,
    with a one-line reason. Later writes are ignored.

    Raises:
        FileExistsError: the file exists already (a transcript is never overwritten).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a file stands where the directory should be
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
        # Unbuffered: a failed line leaves nothing behind in a buffer to land on disk later.
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._good = 0
        """Bytes on disk that end with a whole line."""

    def write(self, event: BaseModel) -> None:
        """Write one event as a line, flushed and fsynced.

        Raises:
            TranscriptError: the line could not be written; the file keeps every line before.
        """
        if self._fd is None:
            return
        data = memoryview((event.model_dump_json() + "\n").encode("utf-8"))
        try:
            while data:
                data = data[os.write(self._fd, data) :]
            os.fsync(self._fd)
        except OSError as exc:
            self._fail(exc)
        self._good = os.lseek(self._fd, 0, os.SEEK_CUR)

    def _fail(self, exc: OSError) -> None:
        fd, self._fd = self._fd, None
        assert fd is not None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, self._good)
        with contextlib.suppress(OSError):
            os.close(fd)
        if self._good == 0:  # not one line: no file rather than an empty one
            with contextlib.suppress(OSError):
                self.path.unlink()
        why = exc.strerror or type(exc).__name__
        raise TranscriptError(f"cannot write the transcript {self.path}: {why}") from exc

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


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
