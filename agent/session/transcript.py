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
from agent.models import Strict, first_error
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


def default_transcript_path(question_id: str, directory: Path | None = None) -> Path:
    """A new file name for a transcript, in ``directory`` (default: the data directory's)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = directory if directory is not None else data_dir() / "transcripts"
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
    """Parse a transcript's text (``read_transcript`` without the file; e.g. from stdin).

    Args:
        text: the JSONL.
        path: what messages call the source.

    Raises:
        TranscriptError: a line that is not an event (other than the last), or no events.
    """
    lines = text.splitlines()
    events: list[Event] = []
    warnings: list[str] = []
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    _check_version(numbered[0] if numbered else None, path)
    for n, line in numbered:
        try:
            raw = json.loads(line)
            events.append(EVENT_ADAPTER.validate_python(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            if n == numbered[-1][0] and isinstance(exc, json.JSONDecodeError):
                warnings.append(f"{path}:{n}: last line is cut off (crash while writing); skipped")
                continue
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else first_error(exc)
            raise TranscriptError(f"{path}:{n}: not a transcript event: {detail}") from exc
    if not events:
        raise TranscriptError(f"{path}: empty transcript")
    if not isinstance(events[0], SessionEvent):
        raise TranscriptError(f"{path}:1: first event must be a session event")
    return events, warnings


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
