"""`followup replay` end to end: files and directories in, a report out, bad files named."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from locations import FIXTURES as ALL_FIXTURES

from agent.bank.rubric import Bank, Dimension
from agent.cli.app import main
from agent.grading.scripted import ScriptedBackend
from agent.replay.cohort import build_cohort
from agent.replay.regrade import replay

FIXTURES = ALL_FIXTURES / "transcripts"
DIMENSION_NAMES = ("definition", "implication", "example", "tradeoff")
JSONL = FIXTURES / "v1-random-forest.jsonl"
PLAIN = FIXTURES / "plain-random-forest.txt"


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = main(["replay", *argv], io.StringIO(stdin), out, io.StringIO())
    return status, out.getvalue()


def test_one_jsonl_transcript_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(str(JSONL))
    assert status == 0
    assert out.startswith("followup replay - grader: offline - 1 session(s)")
    assert "-- Turn 4" in out and "Agent would" in out and "A strong answer" in out
    assert capsys.readouterr().err == ""


def test_output_file_and_format_from_its_suffix(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    status, out = run(str(PLAIN), "-o", str(target))
    assert status == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    status, _ = run(str(PLAIN), "-o", str(tmp_path / "r.out"), "--format", "json")
    assert json.loads((tmp_path / "r.out").read_text())["sessions"][0]["format"] == "text"


def test_stdin_and_question_flag() -> None:
    pasted = "Q: Tell me about forests.\nA: Many trees vote on bootstrap samples.\n"
    status, out = run("-", "--question", "random-forest", "-f", "json", stdin=pasted)
    assert status == 0
    session = json.loads(out)["sessions"][0]
    assert session["question_id"] == "random-forest" and session["candidate"] == "(stdin)"


def test_unknown_question_flag_is_a_usage_error() -> None:
    err = io.StringIO()
    status = main(["replay", str(PLAIN), "-q", "nope"], io.StringIO(), io.StringIO(), err)
    assert status == 2 and "unknown question id 'nope'" in err.getvalue()


def test_crash_truncated_transcript_is_reported_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.jsonl"
    text = JSONL.read_text()
    cut.write_text(text[:-30])  # the end event is half written
    status, out = run(str(cut), "-f", "json")
    assert status == 0
    session = json.loads(out)["sessions"][0]
    assert len(session["turns"]) == 4 and session["recorded_outcome"] is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{cut}:" in err and "cut off" in err


def test_bad_files_are_named_and_the_rest_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "prose.txt": b"Some notes.\nNo speakers here.\n",
        "empty.jsonl": b"",
        "latin1.txt": b"Q: How does a random forest work?\nA: caf\xe9\n",
        "unknown.jsonl": JSONL.read_bytes().replace(b'"random-forest"', b'"gone"', 1),
    }
    for name, content in bad.items():
        (tmp_path / name).write_bytes(content)
    shutil.copy(JSONL, tmp_path / "good.jsonl")
    status, out = run(str(tmp_path), "-f", "json")
    assert status == 2
    report = json.loads(out)
    assert [Path(s["source"]).name for s in report["sessions"]] == ["good.jsonl"]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and all(line.startswith("followup: error: ") for line in lines)
    by_file = {Path(line.split(": ")[2].split(":")[0]).name: line for line in lines}
    assert set(by_file) == set(bad)
    assert "empty file" in by_file["empty.jsonl"]
    assert "latin1.txt:2: not valid UTF-8" in by_file["latin1.txt"]
    assert "prose.txt:1: neither" in by_file["prose.txt"]
    assert (
        "unknown.jsonl:1: question 'gone' is not in the question bank" in by_file["unknown.jsonl"]
    )
    assert report["errors"] == [line.removeprefix("followup: error: ") for line in lines]


def test_only_bad_files_writes_no_report(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    status, out = run(str(tmp_path / "empty.txt"), str(tmp_path / "missing.txt"))
    assert status == 2 and out == ""


def test_cohort_groups_by_directory_in_date_order(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    alice.mkdir()
    bob.mkdir()
    shutil.copy(JSONL, alice / "b-later.jsonl")  # recorded 2026-11-29
    (alice / "a-earlier.txt").write_text("Date: 2026-01-01\n" + PLAIN.read_text())
    shutil.copy(PLAIN, bob / "mock.txt")
    status, out = run(str(tmp_path), "-f", "json")
    assert status == 0
    cohort = json.loads(out)["cohort"]
    assert [c["candidate"] for c in cohort["candidates"]] == ["alice", "bob"]
    first = cohort["candidates"][0]
    assert first["sessions"] == 2 and set(first["missed"]) == set(DIMENSION_NAMES)
    (trend,) = first["questions"]
    assert trend["question_id"] == "random-forest" and trend["first_at"].startswith("2026-01-01")
    sessions = {s["id"]: s for s in json.loads(out)["sessions"]}
    assert sessions[trend["sessions"][0]]["format"] == "text"
    for move in trend["dimensions"]:
        assert move["change"] == move["last"] - move["first"]
    for fmt, marker in (("text", "== Cohort"), ("md", "## Cohort"), ("html", 'id="cohort"')):
        assert marker in run(str(tmp_path), "-f", fmt)[1]


def test_cohort_movement_and_what_to_practise(bank: Bank, tmp_path: Path) -> None:
    """Scores set by script: the example keeps being the lowest, the definition improves."""
    dana = tmp_path / "dana"
    dana.mkdir()
    for n in (1, 2, 3):
        (dana / f"{n}.txt").write_text(
            f"Date: 2026-02-0{n}\nQ: How does a random forest work, and when would you not use "
            "it?\nA: An answer.\n"
        )
    scores = [
        {"definition": 1, "implication": 2, "tradeoff": 2},
        {"definition": 2, "implication": 2, "example": 1, "tradeoff": 2},
        {"definition": 3, "implication": 3, "example": 1, "tradeoff": 2},
    ]
    report = replay([str(dana)], bank, ScriptedBackend(scores))
    cohort = build_cohort(report.sessions)
    (candidate,) = cohort.candidates
    assert candidate.practise_next == Dimension.EXAMPLE
    assert candidate.missed[Dimension.EXAMPLE] == 3 and candidate.missed[Dimension.DEFINITION] == 0
    moves = {m.dimension: m for m in candidate.questions[0].dimensions}
    assert (moves[Dimension.DEFINITION].first, moves[Dimension.DEFINITION].last) == (1, 3)
    assert moves[Dimension.EXAMPLE].change == 1


def test_text_transcripts_without_a_date_use_file_time(tmp_path: Path) -> None:
    erin = tmp_path / "erin"
    erin.mkdir()
    for name, stamp in (("z-old.txt", 1_700_000_000), ("a-new.txt", 1_800_000_000)):
        shutil.copy(PLAIN, erin / name)
        os.utime(erin / name, (stamp, stamp))
    status, out = run(str(erin), "-f", "json")
    data = json.loads(out)
    order = data["cohort"]["candidates"][0]["questions"][0]["sessions"]
    sources = {s["id"]: Path(s["source"]).name for s in data["sessions"]}
    assert [sources[i] for i in order] == ["z-old.txt", "a-new.txt"]


def test_help_explains_formats_and_grouping(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    text = capsys.readouterr().out
    for word in ("text", "md", "html", "json", "self-contained", "directory holding it"):
        assert word in " ".join(text.split())


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_invalid_utf8_on_stdin_is_one_bad_source(
    capsys: pytest.CaptureFixture[str], errors: str
) -> None:
    # Both how a strict decoder and how a container's C.UTF-8 locale (surrogateescape) see it.
    raw = io.BytesIO(b"Q: How does a random forest work?\nA: caf\xe9 trees\n")
    stdin = io.TextIOWrapper(raw, encoding="utf-8", errors=errors)
    out = io.StringIO()
    status = main(["replay", "-", str(PLAIN), "-f", "json"], stdin, out, io.StringIO())
    assert status == 2
    assert [s["format"] for s in json.loads(out.getvalue())["sessions"]] == ["text"]
    assert capsys.readouterr().err.startswith("followup: error: <stdin>:2: not valid UTF-8")
