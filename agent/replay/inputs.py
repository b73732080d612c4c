"""Reading what ``followup replay`` re-grades: saved JSONL sessions and pasted plain text.

Both formats become one ``Conversation``: the question, then per answer the line it answered
and the probes the interviewer asked after it. Nothing here grades; see ``agent.replay.regrade``.

A plain-text transcript has speaker lines, ``Interviewer:``/``Candidate:`` or ``Q:``/``A:``
(any case); a turn runs until the next speaker line, so answers can span lines. Text before
the first speaker line is ignored. The first interviewer turn is the question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from agent.bank.rubric import Dimension
from agent.errors import InputError, TranscriptError
from agent.grading.grade import Grade
from agent.models import Frozen, Strict
from agent.session.policy import DEFAULT_MAX_TURNS, Outcome, ProbeSource
from agent.session.transcript import (
    AnswerEvent,
    EndEvent,
    Event,
    GradeEvent,
    ProbeEvent,
    QuestionEvent,
    SessionEvent,
    SkipEvent,
    parse_lines,
    transcripts_dir,
)
from agent.text import decode_utf8

STDIN = "-"
TRANSCRIPT_SUFFIXES = (".jsonl", ".txt")
MAX_TRANSCRIPT_MB = 5
"""The largest transcript replay takes by default, in MB (10^6 bytes). The offline grader
re-grades about 0.18 MB of short turns a second on two cores (5 MB, 35,000 turns: 27 s,
``scripts/bench_replay.py``), about half that on one, so a file at the limit takes under a
minute; no interview is that long (a 6-turn session is about 5 KB). A larger file is refused
before it is read; ``max_bytes`` (``followup replay --max-mb``) raises the limit."""
YOU = "you"
"""The candidate of the transcripts ``followup chat`` saved in its default directory."""
_SPEAKER = re.compile(r"^\s*(interviewer|candidate|q|a)\s*:\s?(.*)$", re.IGNORECASE)
_INTERVIEWER = {"interviewer", "q"}


class AskedProbe(Frozen):
    """A probe the interviewer actually asked after an answer."""

    text: str
    dimension: Dimension | None = None
    """The dimension it targeted: recorded in JSONL, recognised from the bank in plain text."""
    source: ProbeSource | None = None
    skipped: bool = False


class ConversationTurn(Strict):
    """One candidate answer and what surrounds it."""

    asked: str
    asked_dimension: Dimension | None = None
    answer: str
    line: int | None = None
    """Where the answer starts in the source file."""
    recorded: Grade | None = None
    """The grade written when the session ran (JSONL only)."""
    probes_after: list[AskedProbe] = []


class Conversation(Strict):
    """A transcript, whatever its format, as replay needs it."""

    source: str
    format: Literal["jsonl", "text"]
    candidate: str
    question_id: str | None
    question: str
    question_line: int | None = None
    question_id_at: tuple[int, int] = (1, 1)
    """Line and column of the question id (JSONL), for a message naming an unknown one."""
    at: datetime
    recorded_grader: str | None = None
    max_turns: int = DEFAULT_MAX_TURNS
    recorded_outcome: Outcome | None = None
    turns: list[ConversationTurn] = []
    warnings: list[str] = []


def discover(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Expand the command line's paths: directories to their ``*.jsonl``/``*.txt``, recursively.

    Returns:
        The files (each once, in the order given, a directory's sorted), and one error per path
        that does not exist or holds no transcripts.
    """
    files: list[str] = []
    errors: list[str] = []
    seen: set[Path | str] = set()

    def add(name: str, key: Path | str) -> None:
        if key not in seen:
            seen.add(key)
            files.append(name)

    for raw in paths:
        if raw == STDIN:
            add(raw, raw)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in TRANSCRIPT_SUFFIXES and p.is_file()
            )
            if not found:
                errors.append(f"{path}: no transcripts (*.jsonl, *.txt) in this directory")
            for p in found:
                add(str(p), p.resolve())
        elif path.is_file():
            add(raw, path.resolve())
        else:
            errors.append(f"{path}: no such file or directory")
    return files, errors


def candidate_of(source: str) -> str:
    """The candidate a transcript belongs to: the name of the directory holding it.

    JSONL transcripts carry no name, so a coach keeps ``<coach-dir>/<candidate>/<files>``. The
    directory ``followup chat`` saves to by default holds your own sessions: "you".
    """
    if source == STDIN:
        return "(stdin)"
    folder = Path(source).resolve().parent
    if folder == transcripts_dir().resolve():
        return YOU
    return folder.name or "(root)"


def too_large(source: str, size: int | None, max_bytes: int) -> InputError:
    """The error for a transcript over the size limit (its size, when known), before any of it
    is parsed."""
    what = f"{size / 1e6:.1f} MB is over" if size is not None else "more than"
    return InputError(
        f"{source}: {what} the {max_bytes / 1e6:g} MB limit for one transcript (re-grading it "
        "would take minutes; no interview is that long): split it into sessions, or raise the "
        "limit with --max-mb"
    )


def read_conversation(
    source: str, stdin_text: str | None = None, max_bytes: int = MAX_TRANSCRIPT_MB * 10**6
) -> Conversation:
    """Read one transcript, JSONL or plain text (decided by its first non-blank character).

    Args:
        source: the path, or ``-`` for standard input.
        stdin_text: what standard input held, when ``source`` is ``-``.
        max_bytes: a larger file is refused before it is read.

    Raises:
        InputError: unreadable, too large, not UTF-8, empty, or neither format.
    """
    if source == STDIN:
        text = stdin_text or ""
        mtime = datetime.now(UTC)
    else:
        path = Path(source)
        try:
            stat = path.stat()
            if stat.st_size > max_bytes:
                raise too_large(source, stat.st_size, max_bytes)
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror}") from exc
        mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
        text = decode_utf8(data, source, InputError)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"{source}: empty file")
    if text.lstrip().startswith("{"):
        return _from_jsonl(source, text)
    return _from_text(source, text, mtime)


def lines_of(text: str) -> list[str]:
    """The text's lines as an editor numbers them: split at ``\n`` (a ``\r`` before it dropped).

    Not ``str.splitlines``, which also splits at U+2028, U+0085 and form feeds, so line
    numbers in messages would not match the file.
    """
    return [line.removesuffix("\r") for line in text.split("\n")]


def _from_jsonl(source: str, text: str) -> Conversation:
    # The text is already decoded (so a byte-order mark is gone): parse it, don't read again.
    try:
        events, warnings = parse_lines(text, "<stdin>" if source == STDIN else source)
    except TranscriptError as exc:
        raise InputError(str(exc)) from exc
    convo = _conversation_from_events(source, events, warnings)
    line = convo.question_id_at[0]
    raw = lines_of(text)[line - 1]
    value = raw.find(json.dumps(convo.question_id), raw.find('"question_id"'))
    convo.question_id_at = (line, value + 1 if value >= 0 else 1)
    return convo


def _conversation_from_events(
    source: str, events: list[tuple[int, Event]], warnings: list[str]
) -> Conversation:
    first_line, session = events[0]
    assert isinstance(session, SessionEvent)  # parse_lines guarantees it
    convo = Conversation(
        source=source,
        format="jsonl",
        candidate=candidate_of(source),
        question_id=session.question_id,
        question_id_at=(first_line, 1),
        question="",
        at=_parse_at(session.at),
        recorded_grader=session.grader,
        max_turns=session.max_turns,
        warnings=list(warnings),
    )
    asked, asked_dim = "", None
    for n, event in events:
        if isinstance(event, QuestionEvent):
            convo.question, convo.question_line = event.text, n
            asked, asked_dim = event.text, None
        elif isinstance(event, AnswerEvent):
            convo.turns.append(
                ConversationTurn(asked=asked, asked_dimension=asked_dim, answer=event.text, line=n)
            )
        elif isinstance(event, GradeEvent) and convo.turns:
            convo.turns[-1].recorded = event.grade
        elif isinstance(event, ProbeEvent) and convo.turns:
            probe = AskedProbe(text=event.text, dimension=event.dimension, source=event.source)
            convo.turns[-1].probes_after.append(probe)
            asked, asked_dim = event.text, event.dimension
        elif isinstance(event, SkipEvent) and convo.turns and convo.turns[-1].probes_after:
            probes = convo.turns[-1].probes_after
            probes[-1] = probes[-1].model_copy(update={"skipped": True})
        elif isinstance(event, EndEvent):
            convo.recorded_outcome = event.outcome
    return convo


def _parse_at(stamp: str) -> datetime:
    """A session's start as an aware datetime (UTC assumed when no offset was written)."""
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _speaker_turns(text: str) -> list[tuple[str, str, int]]:
    """(speaker, text, first line) per turn; consecutive turns of one speaker are merged."""
    turns: list[tuple[str, list[str], int]] = []
    for n, line in enumerate(lines_of(text), start=1):
        found = _SPEAKER.match(line)
        if found:
            speaker = "interviewer" if found[1].lower() in _INTERVIEWER else "candidate"
            if turns and turns[-1][0] == speaker:
                turns[-1][1].append(found[2])
            else:
                turns.append((speaker, [found[2]], n))
        elif turns:
            turns[-1][1].append(line)
    return [(who, "\n".join(lines).strip(), n) for who, lines, n in turns]


def _from_text(source: str, text: str, mtime: datetime) -> Conversation:
    turns = _speaker_turns(text)
    if not turns:
        first = next(n for n, line in enumerate(lines_of(text), start=1) if line.strip())
        raise InputError(
            f"{source}:{first}:1: neither a followup JSONL transcript nor a plain-text "
            "transcript (no 'Interviewer:'/'Candidate:' or 'Q:'/'A:' speaker lines)"
        )
    who, question, line = turns[0]
    if who != "interviewer":
        raise InputError(
            f"{source}:{line}:1: the transcript must open with the interviewer's question "
            "('Interviewer:' or 'Q:'), not the candidate"
        )
    if not question:
        raise InputError(f"{source}:{line}:1: the interviewer's question is empty")
    convo = Conversation(
        source=source,
        format="text",
        candidate=candidate_of(source),
        question_id=None,
        question=question,
        question_line=line,
        at=mtime,
    )
    _apply_date_line(convo, text, line)
    asked = question
    for who, said, line in turns[1:]:
        if who == "candidate":
            convo.turns.append(ConversationTurn(asked=asked, answer=said, line=line))
        elif convo.turns:
            convo.turns[-1].probes_after.append(AskedProbe(text=said))
            asked = said
    if not convo.turns:
        raise InputError(f"{source}: no candidate turns ('Candidate:' or 'A:' lines)")
    return convo


_DATE = re.compile(r"^\s*date\s*:\s*(\S.*?)\s*$", re.IGNORECASE)


def _apply_date_line(convo: Conversation, text: str, first_turn: int) -> None:
    """A ``Date: 2026-11-20`` line above the first speaker line dates the session.

    Without one the file's modification time is used, which a copy or a checkout resets, so a
    coach who wants sessions in a stable order writes the date in.
    """
    for n, line in enumerate(lines_of(text)[: first_turn - 1], start=1):
        found = _DATE.match(line)
        if not found:
            continue
        try:
            at = datetime.fromisoformat(found[1])
        except ValueError:
            convo.warnings.append(
                f"{convo.source}:{n}:{found.start(1) + 1}: cannot read the date {found[1]!r} "
                "(use YYYY-MM-DD); using the file's modification time"
            )
            return
        convo.at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return
