"""Whole `followup chat` sessions driven through stdin, one per outcome.

They use the toy rubric in tests/fixtures (so the answers that reach each outcome are easy to
read) and the real offline grader; each checks the printed summary and the transcript file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from locations import FIXTURES

from agent.cli.app import main

RUBRICS = str(FIXTURES / "rubrics")

SENIOR_ALL = (
    "A toy is an object for play; my solid, clear and senior definition.\n"
    "The implication is solid, clear and senior: toys shape how kids spend time.\n"
    "At my last job we sold 3,000 toys a month, switched suppliers, and returns dropped by half.\n"
    "The tradeoff is solid, clear and senior: cheap toys break sooner, "
    "so if budget is tight I'd still buy the sturdier one.\n"
)


def chat(
    tmp_path: Path, stdin_text: str, *extra: str, name: str = "t.jsonl"
) -> tuple[int, str, list[dict[str, object]]]:
    transcript = tmp_path / name
    out = io.StringIO()
    err = io.StringIO()
    argv = ["--rubrics", RUBRICS, "chat", "--question", "toy-question", "--transcript"]
    status = main([*argv, str(transcript), *extra], io.StringIO(stdin_text), out, err)
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    return status, out.getvalue(), events


def test_senior_outcome(tmp_path: Path) -> None:
    status, out, events = chat(tmp_path, SENIOR_ALL + "\n")
    assert status == 0
    assert "Outcome: senior" in out
    assert "Definition: 3/3" in out and "Tradeoff: 3/3" in out
    assert "A strong answer to compare with:" in out
    assert f"Transcript saved to {tmp_path / 't.jsonl'}" in out
    assert [e["type"] for e in events] == ["session", "question", "answer", "grade", "end"]
    assert events[0]["version"] == 3 and events[0]["grader"] == "offline"
    assert events[-1]["outcome"] == "senior"


def test_out_of_turns_outcome(tmp_path: Path) -> None:
    answers = (
        "A toy is a thing you play with.\n\n" + "Toys are fun and kids like toys a lot.\n\n" * 3
    )
    status, out, events = chat(tmp_path, answers, "--max-turns", "2")
    assert status == 0
    assert "Outcome: out-of-turns" in out
    assert [e["type"] for e in events].count("answer") == 2
    assert events[-1] == {**events[-1], "type": "end", "outcome": "out-of-turns", "answers": 2}
    probes = [e for e in events if e["type"] == "probe"]
    # the definition is thin (1), everything else absent: implication is lowest, first in order
    assert len(probes) == 1 and probes[0]["dimension"] == "implication"


def test_stalled_outcome(tmp_path: Path) -> None:
    # Everything but the tradeoff at 3; two probes on the tradeoff get nothing; then stalled.
    first = SENIOR_ALL.rsplit("The tradeoff", 1)[0]
    status, out, events = chat(tmp_path, first + "\nI don't know.\n\nNo idea.\n\n")
    assert status == 0
    assert "Outcome: stalled" in out
    assert [e["dimension"] for e in events if e["type"] == "probe"] == ["tradeoff", "tradeoff"]
    assert events[-1]["outcome"] == "stalled"


def test_quit_command_and_eof_and_help(tmp_path: Path) -> None:
    status, out, events = chat(tmp_path, "/help\n/score\n/hint\nA toy is a thing.\n\n/quit\n")
    assert status == 0
    assert "/skip" in out and "Best so far:" in out and "Hint [definition]" in out
    assert "Outcome: quit" in out
    assert events[-1]["outcome"] == "quit"

    # end of input in the middle of an answer: the answer is graded, then the session ends
    status, out, events = chat(tmp_path, "A toy is a thing you play with.", name="eof.jsonl")
    assert "Outcome: quit" in out
    assert [e["type"] for e in events].count("answer") == 1


def test_empty_answer_needs_a_second_enter_and_is_graded(tmp_path: Path) -> None:
    status, out, events = chat(tmp_path, "\n\n/quit\n")
    assert "press Enter again" in out
    assert status == 0
    grades = [e for e in events if e["type"] == "grade"]
    dims = ("definition", "implication", "example", "tradeoff")
    assert len(grades) == 1 and all(grades[0]["grade"][d]["score"] == 0 for d in dims)


def test_skip_moves_to_the_next_dimension(tmp_path: Path) -> None:
    status, out, events = chat(tmp_path, "A toy is a thing.\n\n/skip\n/quit\n")
    marks = [e for e in events if e["type"] in ("skip", "probe")]
    assert [e["type"] for e in marks] == ["probe", "skip", "probe"]
    assert marks[1]["dimension"] == marks[0]["dimension"]
    assert marks[2]["dimension"] != marks[0]["dimension"]
    assert "Skipped.\n" in out


def test_ctrl_c_ends_cleanly(tmp_path: Path) -> None:
    class Interrupting(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    out = io.StringIO()
    transcript = tmp_path / "t.jsonl"
    argv = ["--rubrics", RUBRICS, "chat", "-q", "toy-question", "--transcript", str(transcript)]
    assert main(argv, Interrupting(), out, io.StringIO()) == 0
    assert "Outcome: quit" in out.getvalue()
    assert json.loads(transcript.read_text().splitlines()[-1])["outcome"] == "quit"


def test_unknown_question_is_one_line_exit_2(tmp_path: Path) -> None:
    err = io.StringIO()
    status = main(["--rubrics", RUBRICS, "chat", "-q", "nope"], io.StringIO(""), io.StringIO(), err)
    assert status == 2
    assert err.getvalue().count("\n") == 1
    assert "unknown question id 'nope'" in err.getvalue() and "toy-question" in err.getvalue()


def test_existing_transcript_is_not_overwritten(tmp_path: Path) -> None:
    existing = tmp_path / "old.jsonl"
    existing.write_text("keep me\n")
    err = io.StringIO()
    argv = ["--rubrics", RUBRICS, "chat", "-q", "toy-question", "--transcript", str(existing)]
    assert main(argv, io.StringIO(""), io.StringIO(), err) == 2
    assert "already exists" in err.getvalue()
    assert existing.read_text() == "keep me\n"


def test_default_transcript_goes_to_the_data_dir(tmp_path: Path) -> None:
    out = io.StringIO()
    main(["--rubrics", RUBRICS, "chat", "--topic", "fundamentals"], io.StringIO(""), out)
    saved = out.getvalue().rsplit("Transcript saved to ", 1)[1].strip()
    assert saved.startswith(str(tmp_path / "home" / "transcripts"))
    assert Path(saved).exists()


def test_a_session_on_the_real_bank(tmp_path: Path) -> None:
    """The built-in bank, the offline grader, probes that quote the candidate, a summary."""
    transcript = tmp_path / "rf.jsonl"
    answers = (
        "A random forest is a set of decision trees, each trained on a bootstrap sample of the "
        "rows, with a random subset of features considered at every split; the trees vote.\n\n"
        "I don't know.\n\n/quit\n"
    )
    out = io.StringIO()
    argv = ["chat", "-q", "random-forest", "--transcript", str(transcript)]
    assert main(argv, io.StringIO(answers), out, io.StringIO()) == 0
    text = out.getvalue()
    assert "Q: How does a random forest work" in text
    assert "Probe [" in text and 'You said "A random forest is a set of decision trees' in text
    assert "Outcome: quit" in text and "A strong answer to compare with:" in text
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert [e["type"] for e in events].count("answer") == 2
    assert events[3]["grade"]["definition"]["score"] >= 2


def test_bytes_that_are_not_utf8_do_not_crash_a_session(tmp_path: Path) -> None:
    raw = io.BytesIO(
        b"A toy is a thing \xff you play with.\n\n/usr/data is where toys live.\n\n/quit\n"
    )
    stdin = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape")
    transcript = tmp_path / "t.jsonl"
    argv = ["--rubrics", RUBRICS, "chat", "-q", "toy-question", "--transcript", str(transcript)]
    out = io.StringIO()
    assert main(argv, stdin, out, io.StringIO()) == 0
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    answers = [e["text"] for e in events if e["type"] == "answer"]
    assert answers[0] == "A toy is a thing \ufffd you play with."
    assert answers[1].startswith("/usr/data")  # an answer that starts with a slash, not a command
    assert events[-1]["type"] == "end"
