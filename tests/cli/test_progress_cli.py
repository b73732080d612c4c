"""`followup progress` and `followup chat --due` on the data directory (FOLLOWUP_HOME)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from handmade import conversation

from agent.cli.app import main
from agent.session.policy import Outcome


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The data directory the autouse fixture points FOLLOWUP_HOME at, with its transcripts."""
    folder = tmp_path / "home" / "transcripts"
    folder.mkdir(parents=True)
    return folder


def days_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = main(argv, io.StringIO(stdin), out, io.StringIO())
    return status, out.getvalue()


def test_no_sessions_yet_is_friendly(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["progress"])
    assert status == 0 and out.startswith("No sessions yet")
    status, out = run(["progress", "--format", "json"])
    assert (
        status == 0 and json.loads(out)["conversations"] == [] and json.loads(out)["next"] is None
    )
    assert "No sessions yet" in capsys.readouterr().err


def test_progress_reads_the_data_directory(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation(home, "calibration", datetime(2026, 11, 2, 9, tzinfo=UTC), Outcome.STALLED)
    conversation(
        home, "calibration", datetime(2026, 11, 20, 9, tzinfo=UTC), Outcome.SENIOR, "3 3 3 3"
    )
    copied = tmp_path / "home" / "from-laptop"
    copied.mkdir()
    conversation(
        copied, "random-forest", datetime(2026, 11, 21, 9, tzinfo=UTC), Outcome.QUIT, "2 0 1 0"
    )
    (home / "broken.jsonl").write_text('{"type": "session"}\n')
    status, out = run(["progress", "--as-of", "2026-11-22"])
    assert status == 0
    assert "3 conversation(s) on 2 question(s)" in out
    due = out.split("DUE FOR REVIEW")[1].split("COMING UP")[0]
    assert "random-forest                  due 2026-11-22 (today)" in due  # quit Nov 21: +1
    assert "calibration" not in due
    assert "calibration                    due 2026-11-23 (in 1 day(s)" in out  # senior Nov 20: +3
    err = capsys.readouterr().err
    assert f"{home / 'broken.jsonl'}:1:1: not a transcript event" in err and "skipped" in err

    report = tmp_path / "progress.html"
    assert run(["progress", "--as-of", "2026-11-24", "-o", str(report)]) == (0, "")
    assert report.read_text().startswith("<!DOCTYPE html>") and "<svg" in report.read_text()
    status, out = run(["progress", "--as-of", "2026-11-24", "-f", "json", str(copied)])
    assert [c["question"] for c in json.loads(out)["conversations"]] == ["random-forest"]


def test_bad_paths_and_dates_exit_2(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["progress", str(tmp_path / "nope")], io.StringIO(), io.StringIO(), err) == 2
    assert "no such file or directory" in err.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        main(["progress", "--as-of", "Nov 3"], io.StringIO(), io.StringIO(), io.StringIO())
    assert exit_info.value.code == 2


def test_chat_due_asks_the_most_overdue_question(home: Path) -> None:
    conversation(home, "random-forest", days_ago(2), Outcome.STALLED)  # due a day ago
    conversation(home, "calibration", days_ago(5), Outcome.QUIT)  # due four days ago
    conversation(home, "data-leakage", days_ago(1), Outcome.SENIOR, "3 3 3 3")  # not due
    status, out = run(["chat", "--due"], "/quit\n")
    assert status == 0
    assert "question: calibration (the most overdue for review)" in out
    saved = out.rsplit("Transcript saved to ", 1)[1].strip()
    first = json.loads(Path(saved).read_text().splitlines()[0])
    assert first["question_id"] == "calibration" and first["loop_id"] is None


def test_chat_due_with_nothing_due_suggests_the_weakest(home: Path) -> None:
    conversation(home, "calibration", days_ago(1), Outcome.SENIOR, "3 3 3 3")
    conversation(home, "random-forest", days_ago(0.01), Outcome.STALLED, "3 1 2 2")
    before = set(home.glob("*.jsonl"))
    status, out = run(["chat", "--due"])
    assert status == 0
    assert out.startswith("Nothing is due for review today (next: random-forest on ")
    assert "Your weakest: random-forest, implication." in out
    assert "run: followup chat --question random-forest" in out
    assert set(home.glob("*.jsonl")) == before  # no session was started


def test_chat_due_with_no_sessions(tmp_path: Path) -> None:
    status, out = run(["chat", "--due"])
    assert status == 0 and out.startswith("No sessions yet, so nothing is due")
    with pytest.raises(SystemExit) as exit_info:  # --due picks the question: not with -q
        main(["chat", "--due", "-q", "calibration"], io.StringIO(), io.StringIO(), io.StringIO())
    assert exit_info.value.code == 2


def test_help_explains_the_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["progress", "--help"])
    text = capsys.readouterr().out
    for needle in ("1 day", "3, 7, 14, 30", "miss resets", "--format", "chat --due", "next"):
        assert needle in text
