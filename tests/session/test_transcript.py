"""Transcripts: typed events, durable lines, tolerant reading of a crash-cut last line."""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from locations import FIXTURES, ROOT

from agent.bank.rubric import Rubric
from agent.cli.app import main
from agent.errors import TranscriptError
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview
from agent.session.transcript import (
    FORMAT_VERSION,
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
    newer = FORMAT_VERSION + 1
    path = tmp_path / f"v{newer}.jsonl"
    path.write_text(
        f'{{"type": "session", "version": {newer}, "question_id": "x", "grader": "offline", '
        '"max_turns": 6, "candidate": "new field"}\n{"type": "note", "text": "new event"}\n'
    )
    with pytest.raises(
        TranscriptError, match=rf"v{newer}.jsonl:1: format version {newer} is newer"
    ):
        read_transcript(path)


def test_a_frozen_version_2_transcript_still_loads_with_its_conversation_grades() -> None:
    events, warnings = read_transcript(FROZEN / "v2-bias-variance.jsonl")
    assert warnings == []
    assert isinstance(events[0], SessionEvent) and events[0].version == 2
    grades = [e for e in events if isinstance(e, GradeEvent)]
    assert len(grades) >= 2 and all(g.conversation is not None for g in grades)


def test_version_1_grade_events_have_no_conversation_grade() -> None:
    events, _ = read_transcript(FROZEN / "v1-random-forest.jsonl")
    grades = [e for e in events if isinstance(e, GradeEvent)]
    assert grades and all(g.conversation is None for g in grades)


def test_a_full_disk_mid_line_leaves_a_valid_transcript_and_the_interview_goes_on(
    toy: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.jsonl"
    writer = TranscriptWriter(path)
    interview = Interview(
        toy, ScriptedBackend([{"definition": 2}, {"implication": 3}]), writer=writer
    )
    interview.answer("A toy is a thing you play with.")
    real_write = os.write

    def full(fd: int, data: bytes | memoryview) -> int:
        if fd == writer._fd and len(data) > 40:
            real_write(fd, bytes(data[:40]))  # part of the line lands, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    result = interview.answer("It changes how kids spend their afternoons.")
    assert interview.transcript_error == (
        f"cannot write the transcript {path}: No space left on device"
    )
    assert result.grade.implication.score == 3  # graded all the same
    interview.quit()
    assert interview.outcome == "quit"
    events, warnings = read_transcript(path)
    assert warnings == []  # the half-written line was cut back off
    assert [e.type for e in events][-1] == "probe"
    assert path.read_text().endswith("\n")


def test_a_file_size_limit_ends_with_the_summary_and_no_traceback(tmp_path: Path) -> None:
    """The real thing: RLIMIT_FSIZE in a child process, `followup chat` with piped answers."""
    path = tmp_path / "t.jsonl"
    limit = 1500

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    argv = [sys.executable, "-m", "agent", "--rubrics", str(FIXTURES / "rubrics"), "chat"]
    argv += ["-q", "toy-question", "--transcript", str(path)]
    answers = "A toy is a thing you play with.\n\n" + "It matters because kids learn.\n\n" * 3
    done = subprocess.run(
        argv,
        input=answers,
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=small_files,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr and done.stderr == ""
    lines = [line for line in done.stdout.splitlines() if "cannot write the transcript" in line]
    assert lines == [
        f"(cannot write the transcript {path}: File too large; the session goes on, "
        "but the rest of it is not saved)"
    ]
    assert "Outcome: quit" in done.stdout and "A strong answer to compare with:" in done.stdout
    assert f"Transcript saved up to where writing failed: {path}" in done.stdout
    assert path.stat().st_size <= limit
    events, warnings = read_transcript(path)
    assert warnings == [] and events[0].type == "session"


def test_an_unwritable_data_directory_is_said_once_and_the_session_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("FOLLOWUP_HOME", str(blocker))
    out, err = io.StringIO(), io.StringIO()
    argv = ["--rubrics", str(FIXTURES / "rubrics"), "chat", "-q", "toy-question"]
    status = main(argv, io.StringIO("A toy is a thing.\n\n/quit\n"), out, err)
    assert status == 0 and err.getvalue() == ""
    text = out.getvalue()
    assert text.count("cannot write the transcript") == 2  # the banner, and the last line
    assert "this session will not be saved" in text and "Outcome: quit" in text
    assert text.rstrip().splitlines()[-1].startswith("Not saved (cannot write the transcript")


def test_an_unwritable_chosen_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = io.StringIO()
    argv = ["--rubrics", str(FIXTURES / "rubrics"), "chat", "-q", "toy-question"]
    argv += ["--transcript", str(blocker / "t.jsonl")]
    assert main(argv, io.StringIO(""), io.StringIO(), err) == 2
    assert err.getvalue().count("\n") == 1 and "cannot write the transcript" in err.getvalue()


def test_when_not_even_the_first_line_fits_there_is_no_file(
    toy: Rubric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.jsonl"
    writer = TranscriptWriter(path)

    def full(fd: int, data: bytes | memoryview) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    interview = Interview(toy, ScriptedBackend([{"definition": 1}]), writer=writer)
    interview.answer("A toy.")
    assert interview.transcript_error is not None and not path.exists()
