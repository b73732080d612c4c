"""Whole `followup mock` loops driven through stdin to the end-of-loop report.

A bank of four copies of the toy rubric, one per slot of a loop, keeps the answers easy to read
(the same ones that reach each outcome in tests/cli/test_chat.py).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from handmade import conversation
from locations import FIXTURES
from test_chat import SENIOR_ALL

from agent.bank.rubric import Rubric
from agent.cli import mock
from agent.cli.app import build_parser, main
from agent.cli.repl import clock_text
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview
from agent.session.policy import Outcome

TOPICS = {
    "toy-a": "fundamentals",
    "toy-b": "evaluation",
    "toy-c": "ensembles",
    "toy-d": "production",
}


@pytest.fixture
def rubrics(tmp_path: Path) -> Path:
    folder = tmp_path / "rubrics"
    folder.mkdir()
    text = (FIXTURES / "rubrics" / "toy-question.yaml").read_text()
    for qid, topic in TOPICS.items():
        body = text.replace("id: toy-question", f"id: {qid}", 1)
        (folder / f"{qid}.yaml").write_text(
            body.replace("topic: fundamentals", f"topic: {topic}", 1)
        )
    return folder


def events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def run_mock(rubrics: Path, tmp_path: Path, stdin: str, *extra: str) -> tuple[int, str, list[Path]]:
    out_dir = tmp_path / "out"
    argv = ["--rubrics", str(rubrics), "mock", "--seed", "1", "--transcript-dir", str(out_dir)]
    out = io.StringIO()
    status = main([*argv, *extra], io.StringIO(stdin), out, io.StringIO())
    return status, out.getvalue(), sorted(out_dir.glob("*.jsonl")) if out_dir.exists() else []


def test_a_loop_through_stdin_to_its_report(rubrics: Path, tmp_path: Path) -> None:
    stdin = (
        SENIOR_ALL + "\n"  # question 1: senior in one answer
        "A toy is a thing.\n\n/next\n"  # question 2: one thin answer, then move on
        "/hint\nA toy is a thing you play with.\n\n/quit\n"  # question 3: end the loop
    )
    status, out, files = run_mock(rubrics, tmp_path, stdin)
    assert status == 0
    order = [
        line.split("(")[1].rstrip(")")
        for line in out.splitlines()
        if line.startswith("Question ") and " of 4 " in line
    ]
    assert order == ["fundamentals", "evaluation", "ensembles"]  # the loop's slots, in order
    assert "Hint [definition]" in out
    report = out.split("Mock interview report", 1)[1]
    assert "3 of 4 question(s) asked." in report
    rows = [line.split() for line in report.splitlines() if line[:4].strip().isdigit()]
    assert [r[1] for r in rows] == ["toy-a", "toy-b", "toy-c"]
    assert [r[2] for r in rows] == ["senior", "quit", "quit"]
    assert rows[0][3:7] == ["3", "3", "3", "3"] and rows[0][-1] == "-"
    assert all(len(r[3:7]) == 4 and all(s in "0123" for s in r[3:7]) for r in rows)
    assert "Not asked (the loop was ended): toy-d" in report
    assert "Practise next:" in report
    assert len(files) == 3
    loaded = [events(f) for f in files]
    loop_ids = {e[0]["loop_id"] for e in loaded}
    assert len(loop_ids) == 1 and f"(loop {loop_ids.pop()})" in report
    assert sorted(e[0]["question_id"] for e in loaded) == ["toy-a", "toy-b", "toy-c"]
    assert sorted(e[-1]["outcome"] for e in loaded) == ["quit", "quit", "senior"]
    assert all(str(f) in report for f in files)


def test_end_of_input_ends_the_loop_with_the_report(rubrics: Path, tmp_path: Path) -> None:
    status, out, files = run_mock(
        rubrics, tmp_path, SENIOR_ALL + "\nA toy is a thing you play with."
    )
    assert status == 0 and "2 of 4 question(s) asked." in out
    assert [events(f)[-1]["outcome"] for f in files].count("quit") == 1
    assert "/next" not in out.split("Mock interview report")[1]


class LineClock:
    """Standard input whose every line takes the candidate 40 seconds, on a fake clock."""

    def __init__(self, text: str) -> None:
        self.lines = io.StringIO(text)
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def readline(self) -> str:
        self.now += 40
        return self.lines.readline()

    def isatty(self) -> bool:
        return False


def test_a_time_limit_running_out_ends_the_question_out_of_time(
    rubrics: Path, tmp_path: Path
) -> None:
    clock = LineClock("A toy is a thing you play with.\n\n/score\n/score\n")
    out_dir = tmp_path / "out"
    args = build_parser().parse_args(
        [
            "--rubrics",
            str(rubrics),
            "mock",
            "-n",
            "2",
            "--seed",
            "1",
            "--time-limit",
            "1",
            "--transcript-dir",
            str(out_dir),
        ]
    )
    out = io.StringIO()
    assert mock.run(args, clock, out, io.StringIO(), clock=clock) == 0  # type: ignore[arg-type]
    text = out.getvalue()
    # the answer was sent at 80 s of a 60 s limit: graded, then no probe, out of time
    assert "This answer:" in text and "Time is up (1:00 for this question)." in text
    assert "Question 1: out-of-time (ran out of time)" in text
    # question 2 opened at 80 s: /score at 40 s in runs, /score at 80 s in ends it out of time
    first, second = sorted(out_dir.glob("*.jsonl"), key=lambda p: events(p)[0]["question_id"])
    one, two = events(first), events(second)
    assert one[0]["time_limit"] == 60.0 and one[-1]["outcome"] == Outcome.OUT_OF_TIME.value
    assert one[-1]["elapsed"] == 80.0 and [e["type"] for e in one].count("probe") == 0
    assert two[-1]["outcome"] == "out-of-time" and two[-1]["answers"] == 0
    assert text.count("Best so far") == 1


def test_due_questions_come_first(rubrics: Path, tmp_path: Path) -> None:
    home = tmp_path / "home" / "transcripts"
    home.mkdir(parents=True)
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    conversation(home, "toy-d", yesterday - timedelta(days=3), Outcome.STALLED)  # most overdue
    conversation(home, "toy-c", yesterday, Outcome.QUIT)
    conversation(home, "toy-a", yesterday, Outcome.SENIOR)  # holding: due in 3 days
    status, out, files = run_mock(rubrics, tmp_path, "/next\n" * 4, "--due", "-n", "3")
    assert status == 0
    assert "2 question(s) due for review come first." in out
    asked = [
        line.split()[1]
        for line in out.split("Mock interview report")[1].splitlines()
        if line[:4].strip().isdigit()
    ]
    # toy-d and toy-c took the production and ensembles slots: fundamentals is left
    assert asked == ["toy-d", "toy-c", "toy-a"]


def test_bad_input_is_one_line_exit_2(rubrics: Path) -> None:
    err = io.StringIO()
    argv = ["--rubrics", str(rubrics), "mock", "--topic", "nope"]
    assert main(argv, io.StringIO(""), io.StringIO(), err) == 2
    assert err.getvalue().count("\n") == 1 and "unknown topic 'nope'" in err.getvalue()
    with pytest.raises(SystemExit):
        main(["mock", "--time-limit", "-3"], io.StringIO(""), io.StringIO(), io.StringIO())


def test_help_explains_the_loop(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["mock", "--help"])
    text = capsys.readouterr().out
    for needle in ("/next", "--time-limit", "out-of-time", "loop id", "--due", "piped input"):
        assert needle in text


def test_the_clock_shows_time_used_and_left(toy: Rubric) -> None:
    now = [100.0]
    interview = Interview(toy, ScriptedBackend([]), time_limit=300, clock=lambda: now[0])
    assert clock_text(Interview(toy, ScriptedBackend([]))) == ""  # no limit: nothing shown
    interview.open()
    now[0] += 65.4
    assert clock_text(interview) == "[1:05 elapsed, 3:55 left]"
    now[0] += 1000
    assert clock_text(interview) == "[17:45 elapsed, 0:00 left]"
