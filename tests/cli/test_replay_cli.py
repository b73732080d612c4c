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
from agent.cli.terminal import progress_bar
from agent.grading.scripted import ScriptedBackend
from agent.replay.cohort import build_cohort
from agent.replay.regrade import replay
from agent.replay.render import render
from agent.session.interview import Interview
from agent.session.transcript import TranscriptWriter

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
    assert "latin1.txt:2:7: not valid UTF-8 (byte 0xE9)" in by_file["latin1.txt"]
    assert "prose.txt:1:1: neither" in by_file["prose.txt"]
    assert (
        "unknown.jsonl:1:106: question 'gone' is not in the question bank"
        in by_file["unknown.jsonl"]
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


def test_the_cohort_headline_agrees_with_its_rows(bank: Bank, tmp_path: Path) -> None:
    """Issue 11: ties made 'implication' the headline while 4 of 5 rows said definition."""
    dana = tmp_path / "dana"
    dana.mkdir()
    questions = sorted(bank.rubrics)[:5]
    for n, qid in enumerate(questions, start=1):
        interview = Interview(
            bank.get(qid), ScriptedBackend([{}]), writer=TranscriptWriter(dana / f"{n}.jsonl")
        )
        interview.answer("An answer.")
        interview.quit()
    tied = {"definition": 1, "implication": 1, "example": 2, "tradeoff": 2}
    scores = [tied] * 4 + [{"definition": 2, "implication": 0, "example": 2, "tradeoff": 2}]
    report = replay([str(dana)], bank, ScriptedBackend(scores))
    assert report.cohort is not None
    (candidate,) = report.cohort.candidates
    rows = [q.practise_next for q in candidate.questions]
    assert sorted(rows) == [Dimension.DEFINITION] * 4 + [Dimension.IMPLICATION]
    assert candidate.practise_next == Dimension.DEFINITION
    assert candidate.practise_next_questions == 4
    # each session misses one dimension: its weakest, as its own report says
    assert candidate.missed == {
        Dimension.DEFINITION: 4,
        Dimension.IMPLICATION: 1,
        Dimension.EXAMPLE: 0,
        Dimension.TRADEOFF: 0,
    }
    assert [s.summary.weakest for s in report.sessions] == [Dimension.DEFINITION] * 4 + [
        Dimension.IMPLICATION
    ]
    html = render(report, "html")
    assert "Practise next: definition</strong> (picked in 4 of 5 questions below)" in html
    assert "practise next: definition (picked in 4 of 5 questions)" in render(report, "text")
    assert "**Practise next: definition** (picked in 4 of 5 questions below)" in render(
        report, "md"
    )


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
    err = capsys.readouterr().err
    assert err.startswith("followup: error: <stdin>:2:7: not valid UTF-8 (byte 0xE9)")


class Untouchable(io.StringIO):
    """Standard input that fails the test if anything reads it."""

    def read(self, *args: object) -> str:
        raise AssertionError("standard input was read")

    @property
    def buffer(self) -> io.BytesIO:
        raise AssertionError("standard input was read")


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run replay expecting a refusal before anything is read; returns the error line."""
    out, errors = io.StringIO(), io.StringIO()
    status = main(["replay", *argv], Untouchable(), out, errors)
    err = errors.getvalue() + capsys.readouterr().err
    assert status == 2 and out.getvalue() == "", err
    assert err.count("\n") == 1 and err.startswith("followup: error: ")
    return err


@pytest.mark.parametrize("how", ["same path", "another spelling", "hard link", "symlink", "in dir"])
@pytest.mark.parametrize("fmt", [[], ["-f", "json"], ["-f", "html"]])
def test_output_that_names_an_input_is_refused_before_anything_is_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
    fmt: list[str],
) -> None:
    coach = tmp_path / "coach" / "sam"
    coach.mkdir(parents=True)
    transcript = coach / "s.jsonl"
    shutil.copy(JSONL, transcript)
    before = transcript.read_bytes()
    monkeypatch.chdir(tmp_path)
    inputs, output = {
        "same path": (["coach/sam/s.jsonl", "-"], "coach/sam/s.jsonl"),
        "another spelling": (["coach/sam/s.jsonl"], f"{tmp_path}/coach/../coach/sam/./s.jsonl"),
        "hard link": (["coach/sam/s.jsonl"], "linked.jsonl"),
        "symlink": (["coach/sam/s.jsonl"], "pointer.html"),
        "in dir": (["coach"], "coach/sam/s.jsonl"),
    }[how]
    if how == "hard link":
        os.link(transcript, tmp_path / output)
    if how == "symlink":
        (tmp_path / output).symlink_to(transcript)
    err = refused([*inputs, "-o", output, *fmt], capsys)
    assert "refusing to write the report over the transcript" in err and "s.jsonl" in err
    assert transcript.read_bytes() == before
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []


def test_the_format_follows_the_output_extension(tmp_path: Path) -> None:
    starts = {".html": "<!DOCTYPE html>", ".htm": "<!DOCTYPE html>", ".md": "# Replay report"}
    starts |= {".json": "{", ".txt": "followup replay - grader: offline", ".HTML": "<!DOCTYPE"}
    for suffix, start in starts.items():
        target = tmp_path / f"report{suffix}"
        assert run(str(PLAIN), "-o", str(target)) == (0, "")
        assert target.read_text(encoding="utf-8").startswith(start), suffix
    status, out = run(str(PLAIN), "-o", "-", "-f", "md")
    assert status == 0 and out.startswith("# Replay report")


@pytest.mark.parametrize("name", ["report.pdf", "report", "report.html.bak"])
def test_an_unknown_extension_is_an_error_listing_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    err = refused([str(PLAIN), "-o", str(tmp_path / name)], capsys)
    assert f"cannot tell the report format from {name!r}" in err
    assert ".html, .htm, .md, .json, .txt" in err and "-f" in err
    assert not (tmp_path / name).exists()
    # naming the format writes it, with a warning when the extension says otherwise
    assert run(str(PLAIN), "-o", str(tmp_path / name), "-f", "json")[0] == 0
    assert json.loads((tmp_path / name).read_text())["version"] == 2
    assert run(str(PLAIN), "-o", str(tmp_path / "r.html"), "-f", "md")[0] == 0
    assert "warning: writing md to" in capsys.readouterr().err


def test_reports_are_written_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "week.html"
    target.write_text("the old report")
    target.chmod(0o640)
    assert run(str(PLAIN), "-o", str(target)) == (0, "")
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o640  # a replaced report keeps its mode
    target.write_text("the old report")

    def crash(fd: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the new report is being flushed

    monkeypatch.setattr("agent.cli.terminal.os.fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        run(str(PLAIN), "-o", str(target))
    assert target.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week.html"]

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("agent.cli.terminal.os.fsync", full)
    errors = io.StringIO()
    status = main(["replay", str(PLAIN), "-o", str(target)], io.StringIO(), io.StringIO(), errors)
    assert status == 2 and target.read_text() == "the old report"
    assert "cannot write" in errors.getvalue() and "No space left" in errors.getvalue()
    assert len(list(tmp_path.iterdir())) == 1


def test_an_unwritable_output_fails_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused([str(PLAIN), "-o", str(tmp_path / "no" / "such" / "r.html")], capsys)
    assert "no such directory" in err


def test_a_report_inside_an_input_directory_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sam").mkdir()
    shutil.copy(PLAIN, tmp_path / "sam" / "mock.txt")
    assert run(str(tmp_path), "-o", str(tmp_path / "report.txt"))[0] == 0
    assert "will read the report as a transcript" in capsys.readouterr().err
    assert run(str(tmp_path), "-o", str(tmp_path / "report.html"))[0] == 2  # report.txt: no
    assert "report.txt:1:1: neither" in capsys.readouterr().err


def test_a_transcript_over_the_size_limit_is_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(PLAIN.read_bytes() + b"Candidate: more\n" * 70_000)  # 1.1 MB
    shutil.copy(PLAIN, tmp_path / "small.txt")
    read = Path.read_bytes

    def only_small(self: Path) -> bytes:
        assert self.name != "big.txt", "the oversized transcript was read"
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", only_small)
    status, out = run(str(tmp_path), "--max-mb", "1", "-f", "json")
    assert status == 2 and len(json.loads(out)["sessions"]) == 1
    err = capsys.readouterr().err
    assert "big.txt: 1.1 MB is over the 1 MB limit for one transcript" in err
    assert "split it into sessions, or raise the limit with --max-mb" in err
    monkeypatch.undo()
    assert run(str(big), "--max-mb", "1.5", "-f", "json")[0] == 0
    status, _ = run("-", "--max-mb", "0.001", stdin="Q: " + "x" * 2000 + "\nA: y\n")
    assert status == 2 and "<stdin>: more than the 0.001 MB limit" in capsys.readouterr().err


def test_the_default_transcript_folder_is_you(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "transcripts"  # $FOLLOWUP_HOME/transcripts (conftest)
    folder.mkdir(parents=True)
    shutil.copy(JSONL, folder / "20261129T163427Z-random-forest-abc123.jsonl")
    (tmp_path / "lee").mkdir()
    shutil.copy(PLAIN, tmp_path / "lee" / "mock.txt")
    status, out = run(str(folder), str(tmp_path / "lee"), "-f", "json")
    data = json.loads(out)
    assert [s["candidate"] for s in data["sessions"]] == ["you", "lee"]
    assert [c["candidate"] for c in data["cohort"]["candidates"]] == ["lee", "you"]


def test_progress_bar_only_on_a_terminal_and_only_for_long_work() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_bar(io.StringIO(), "answers") is None
    screen = Terminal()
    show = progress_bar(screen, "answers re-graded", delay=3600)
    assert show is not None
    for n in range(1, 11):
        show(n, 10)
    assert screen.getvalue() == ""  # quick work: nothing drawn, not even the last line
    screen = Terminal()
    show = progress_bar(screen, "answers re-graded")
    assert show is not None
    for n in range(1, 8001):
        show(n, 8000)
    drawn = screen.getvalue()
    assert drawn.endswith("\r[" + "#" * 30 + "] 8,000/8,000 answers re-graded\n")
    assert drawn.count("\r") < 100  # redrawn a few times a second, not 8,000 times
