"""Transcripts: typed events, durable lines, tolerant reading of a crash-cut last line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from locations import FIXTURES

from agent.bank.rubric import Rubric
from agent.errors import TranscriptError
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview
from agent.session.transcript import (
    EndEvent,
    GradeEvent,
    SessionEvent,
    TranscriptWriter,
    read_transcript,
)

FROZEN = FIXTURES / "transcripts"


def record(toy: Rubric, path: Path) -> None:
    script = [{"definition": 2}, {"implication": 3}]
    interview = Interview(toy, ScriptedBackend(script), writer=TranscriptWriter(path))
    interview.answer("A toy is a thing you play with.")
    interview.answer("It changes how kids spend their afternoons.")
    interview.quit()


def test_every_line_is_written_as_it_happens(toy: Rubric, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = TranscriptWriter(path)
    interview = Interview(toy, ScriptedBackend([{"definition": 1}]), writer=writer)
    interview.answer("A toy.")
    # Not closed yet: what a killed process would leave behind is already on disk.
    lines = path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "session",
        "question",
        "answer",
        "grade",
        "probe",
    ]
    writer.close()


def test_round_trip(toy: Rubric, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(toy, path)
    events, warnings = read_transcript(path)
    assert warnings == []
    assert isinstance(events[0], SessionEvent) and events[0].question_id == "toy-question"
    assert isinstance(events[-1], EndEvent) and events[-1].outcome == "quit"
    grades = [e for e in events if isinstance(e, GradeEvent)]
    assert [g.grade.definition.score for g in grades] == [2, 0]


def test_crash_cut_last_line_is_skipped_with_a_warning(toy: Rubric, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(toy, path)
    text = path.read_text()
    path.write_text(text[: len(text) - 25])  # cut in the middle of the end event
    events, warnings = read_transcript(path)
    types = [e.type for e in events]
    assert "end" not in types and types[-1] == "probe"  # only the cut end event is gone
    assert len(warnings) == 1 and "cut off" in warnings[0]


def test_a_broken_middle_line_names_file_and_line(toy: Rubric, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(toy, path)
    lines = path.read_text().splitlines()
    lines[2] = '{"type": "answer", "turn": "x"}'
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TranscriptError, match=rf"{path}:3:20: not a transcript event: answer"):
        read_transcript(path)


def test_invalid_utf8_and_empty(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"type": "session"}\xff\n')
    with pytest.raises(TranscriptError, match="not valid UTF-8"):
        read_transcript(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(TranscriptError, match="empty transcript"):
        read_transcript(empty)


def test_frozen_version_1_still_loads() -> None:
    events, warnings = read_transcript(FROZEN / "v1-random-forest.jsonl")
    assert warnings == []
    assert isinstance(events[0], SessionEvent) and events[0].version == 1
    assert isinstance(events[-1], EndEvent)


def test_a_newer_format_is_named_before_its_new_fields_fail(tmp_path: Path) -> None:
    path = tmp_path / "v2.jsonl"
    path.write_text(
        '{"type": "session", "version": 2, "question_id": "x", "grader": "offline", '
        '"max_turns": 6, "candidate": "new field"}\n{"type": "note", "text": "new event"}\n'
    )
    with pytest.raises(TranscriptError, match=r"v2.jsonl:1: format version 2 is newer"):
        read_transcript(path)
