"""Every saved conversation under the data directory, read from the transcripts themselves.

Chat and mock transcripts alike, and files copied in from another machine: whatever JSONL
transcript is found (recursively) counts. Each is read with ``read_transcript`` (a last line cut
off by a crash is skipped with a warning); a file that cannot be read is named, with its line,
and skipped, and the rest still count. A conversation's scores are its end event's ``best`` per
dimension, exactly as the interview recorded them; one without an end event (the process was
killed) counts as unfinished, with no scores. A session copied in twice counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agent.bank.rubric import Bank, Dimension
from agent.errors import TranscriptError
from agent.models import Strict
from agent.session.policy import Outcome
from agent.session.transcript import (
    EndEvent,
    Event,
    ProbeEvent,
    QuestionEvent,
    SessionEvent,
    read_transcript,
)

SUFFIX = ".jsonl"


class Record(Strict):
    """One saved conversation, as progress needs it."""

    source: str
    session_id: str
    question: str
    """The question id."""
    question_text: str
    topic: str | None
    """From the bank (None for a question this bank does not have)."""
    started: datetime
    loop_id: str | None
    outcome: Outcome | None
    """None: the transcript ends without an end event (the session was killed)."""
    scores: dict[Dimension, int] | None
    """The end event's best score per dimension (None when unfinished)."""
    answers: int
    last_probes: dict[Dimension, str]
    """The last probe asked on each dimension (its wording may quote the candidate)."""


class History(Strict):
    conversations: list[Record]
    """Oldest first."""
    problems: list[str]
    """One line per file skipped or read with a warning, naming the file (and line)."""


def transcript_files(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The ``*.jsonl`` files under ``paths`` (directories recursively), each once.

    Returns:
        The files, and one error per path that does not exist.
    """
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or directory")
    return list(dict.fromkeys(files)), errors


def _started(stamp: str) -> datetime:
    at = datetime.fromisoformat(stamp)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def record_of(source: str, events: Sequence[Event], bank: Bank | None) -> Record:
    """One conversation from its events (the first is the session event)."""
    session = events[0]
    assert isinstance(session, SessionEvent)  # read_transcript guarantees it
    end = next((e for e in events if isinstance(e, EndEvent)), None)
    text = next((e.text for e in events if isinstance(e, QuestionEvent)), "")
    rubric = bank.rubrics.get(session.question_id) if bank else None
    return Record(
        source=source,
        session_id=session.session_id,
        question=session.question_id,
        question_text=text or (rubric.question if rubric else ""),
        topic=rubric.topic if rubric else None,
        started=_started(session.at),
        loop_id=session.loop_id,
        outcome=end.outcome if end else None,
        scores=dict(end.best) if end else None,
        answers=end.answers if end else sum(1 for e in events if e.type == "answer"),
        last_probes={e.dimension: e.text for e in events if isinstance(e, ProbeEvent)},
    )


def read_history(paths: Sequence[Path], bank: Bank | None = None) -> History:
    """Every conversation in the transcripts under ``paths``, oldest first."""
    files, problems = transcript_files(paths)
    records: list[Record] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            events, warnings = read_transcript(path)
            record = record_of(str(path), events, bank)
        except TranscriptError as exc:
            problems.append(f"{exc}; skipped")
            continue
        except ValueError as exc:  # a session start that is not a date
            problems.append(f"{path}:1: cannot read the session's start ({exc}); skipped")
            continue
        problems += warnings
        if record.session_id in seen:
            problems.append(
                f"{path}: the same session as {seen[record.session_id]} (copied twice?); "
                "counted once"
            )
            continue
        seen[record.session_id] = str(path)
        records.append(record)
    records.sort(key=lambda r: (r.started, r.source))
    return History(conversations=records, problems=problems)
