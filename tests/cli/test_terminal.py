"""The REPL on a terminal: the real prompt_toolkit input, fed key by key through its pipe input.

What a terminal sends is what these tests send: a bracketed paste is ``ESC[200~ ... ESC[201~``,
Enter is ``\\r``, Left is ``ESC[D``, Ctrl-C is ``\\x03``, Ctrl-D ``\\x04``. Keys that depend on
the history (Up) are sent once the prompt is running, as a person would type them.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from locations import FIXTURES
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from agent.bank.rubric import Rubric
from agent.cli import editor
from agent.cli.app import main
from agent.cli.editor import CLEARED, SafeFileHistory, TerminalInput, history_file
from agent.cli.inputs import EMPTY_HINT
from agent.cli.repl import Style, Terminal, run_chat
from agent.grading.offline import OfflineBackend
from agent.session.interview import MAX_ANSWER_CHARS, Interview

RUBRICS = str(FIXTURES / "rubrics")
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
ENTER, LEFT, HOME, END, UP = "\r", "\x1b[D", "\x1b[H", "\x1b[F", "\x1b[A"
CTRL_LEFT, CTRL_C, CTRL_D, ALT_ENTER = "\x1b[1;5D", "\x03", "\x04", "\x1b\r"
THREE_PARAGRAPHS = (
    "A toy is an object for play.\n\n"
    "Toys shape how kids spend their time, so the choice matters.\n\n"
    "At my last job we sold 3,000 toys a month and returns dropped by half."
)


def paste(text: str) -> str:
    return PASTE_START + text + PASTE_END


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def reader(
    pipe: PipeInput, out: io.StringIO | None = None, history: object = None
) -> TerminalInput:
    return TerminalInput(
        out or io.StringIO(),
        history if history is not None else InMemoryHistory(),  # type: ignore[arg-type]
        input=pipe,
        output=DummyOutput(),
    )


def type_when_prompted(terminal: TerminalInput, pipe: PipeInput, text: str) -> None:
    """Send keys once the prompt is up and has loaded its history (a person is slower)."""

    def go() -> None:
        deadline = time.monotonic() + 10
        while not terminal.session.app.is_running and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        pipe.send_text(text)

    threading.Thread(target=go, daemon=True).start()


def test_a_bracketed_paste_of_three_paragraphs_is_one_answer(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text(paste(THREE_PARAGRAPHS) + ENTER + ENTER)
    assert terminal.read_answer() == THREE_PARAGRAPHS
    assert not terminal.eof


def test_a_paste_with_windows_line_ends_is_one_answer_too(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text(paste(THREE_PARAGRAPHS.replace("\n", "\r\n")) + ENTER + ENTER)
    assert terminal.read_answer() == THREE_PARAGRAPHS


def test_typed_lines_are_sent_by_an_empty_line(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text("first line" + ENTER + "second line" + ENTER + ENTER)
    assert terminal.read_answer() == "first line\nsecond line"


def test_alt_enter_sends_at_once(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text("one line" + ALT_ENTER)
    assert terminal.read_answer() == "one line"


def test_arrow_keys_edit_the_answer_and_never_land_in_it(keys: PipeInput) -> None:
    terminal = reader(keys)
    # "helo": Left, "l" -> "hello"; Home, "Oh " -> "Oh hello"; End, " world";
    # Ctrl-Left jumps back over "world": "big " goes before it.
    keys.send_text("helo" + LEFT + "l" + HOME + "Oh " + END + " world" + CTRL_LEFT + "big ")
    keys.send_text(ENTER + ENTER)
    answer = terminal.read_answer()
    assert answer == "Oh hello big world"
    assert "\x1b" not in (answer or "") and "[D" not in (answer or "")


def test_enter_after_a_mid_line_fix_does_not_split_the_line(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text("Scaling matters for kNN and SVM" + LEFT * 3 + "the " + ENTER + ENTER)
    assert terminal.read_answer() == "Scaling matters for kNN and the SVM"


def test_a_command_is_sent_by_one_enter(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text("/hint" + ENTER)
    assert terminal.read_answer() == "/hint"


def test_an_empty_answer_needs_a_second_enter(keys: PipeInput) -> None:
    out = io.StringIO()
    terminal = reader(keys, out)
    keys.send_text(ENTER + ENTER)
    assert terminal.read_answer() == ""
    assert out.getvalue() == EMPTY_HINT + "\n"


def test_ctrl_c_clears_what_was_typed_says_so_and_up_brings_it_back(keys: PipeInput) -> None:
    out = io.StringIO()
    terminal = reader(keys, out)
    keys.send_text("a half-typed answer" + CTRL_C)
    type_when_prompted(terminal, keys, "fresh start" + ENTER + ENTER)
    assert terminal.read_answer() == "fresh start"
    assert out.getvalue() == CLEARED + "\n"
    assert not terminal.eof

    keys.send_text("oops" + CTRL_C)
    type_when_prompted(terminal, keys, UP + ENTER + ENTER)
    assert terminal.read_answer() == "oops"


def test_ctrl_c_on_an_empty_prompt_ends(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text(CTRL_C)
    assert terminal.read_answer() is None and terminal.eof


def test_ctrl_d_ends_at_once_sending_what_was_typed(keys: PipeInput) -> None:
    terminal = reader(keys)
    keys.send_text("the last words" + CTRL_D)
    assert terminal.read_answer() == "the last words" and terminal.eof
    terminal = reader(keys)
    keys.send_text(CTRL_D)
    assert terminal.read_answer() is None and terminal.eof


def test_no_length_limit_on_what_is_typed(keys: PipeInput) -> None:
    # A plain read on a terminal stops at 4,095 characters a line; this one does not.
    terminal = reader(keys)
    line = "word " * 2000
    keys.send_text(paste(line) + ENTER + ENTER)
    assert terminal.read_answer() == line.rstrip()


def test_history_is_kept_per_user_and_recalled_with_up(keys: PipeInput, tmp_path: Path) -> None:
    path = tmp_path / "home" / "history"  # FOLLOWUP_HOME, as the conftest sets it
    first = reader(keys, history=SafeFileHistory(str(path)))
    keys.send_text(paste(THREE_PARAGRAPHS) + ENTER + ENTER)
    assert first.read_answer() == THREE_PARAGRAPHS
    keys.send_text("a second answer" + ENTER + ENTER)
    assert first.read_answer() == "a second answer"
    assert path.exists()

    # a later session, a new reader on the same file: Up, Up is the first answer
    later = reader(keys, history=history_file(tmp_path / "home"))
    type_when_prompted(later, keys, UP + UP + ENTER + ENTER)
    assert later.read_answer() == THREE_PARAGRAPHS


def test_an_unwritable_history_never_stops_a_session(keys: PipeInput, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    terminal = reader(keys, history=history_file(blocker))
    keys.send_text("still works" + ENTER + ENTER)
    assert terminal.read_answer() == "still works"


def test_a_whole_session_on_the_terminal_path(keys: PipeInput, toy: Rubric) -> None:
    out = io.StringIO()
    terminal = reader(keys, out)
    keys.send_text(paste(THREE_PARAGRAPHS) + ENTER + ENTER)
    keys.send_text("typed, then thrown away" + CTRL_C)
    type_when_prompted(terminal, keys, "I don't know." + CTRL_D)
    interview = Interview(toy, OfflineBackend())
    summary = run_chat(interview, io.StringIO(), out, term=Terminal(Style(False), reader=terminal))
    assert [t.answer for t in interview.turns] == [THREE_PARAGRAPHS, "I don't know."]
    assert summary.outcome.value == "quit"
    text = out.getvalue()
    assert "Paste freely" in text and CLEARED in text and "Outcome: quit" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_on_a_terminal(
    keys: PipeInput, tmp_path: Path, *extra: str
) -> tuple[int, str, list[dict[str, object]]]:
    transcript = tmp_path / "t.jsonl"
    out = _Terminal()
    argv = ["--rubrics", RUBRICS, "chat", "-q", "toy-question", "--transcript", str(transcript)]
    with create_app_session(input=keys, output=DummyOutput()):
        status = main([*argv, *extra], _Terminal(), out, io.StringIO())
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    return status, out.getvalue(), events


def test_followup_chat_reads_a_terminal_with_prompt_toolkit(
    keys: PipeInput, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    keys.send_text(paste(THREE_PARAGRAPHS) + ENTER + ENTER + "/score" + ENTER + CTRL_D)
    status, out, events = run_on_a_terminal(keys, tmp_path)
    assert status == 0
    answers = [e["text"] for e in events if e["type"] == "answer"]
    assert answers == [THREE_PARAGRAPHS]  # one paste, one answer, one turn
    assert "Best so far:" in out and "Outcome: quit" in out
    assert "\x1b[1m" in out  # a terminal gets colour ...
    assert (tmp_path / "home" / "history").exists()  # ... and a history in the data directory


def test_no_color_is_honoured(
    keys: PipeInput, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    keys.send_text("A toy is a thing." + ENTER + ENTER + CTRL_D)
    status, out, _ = run_on_a_terminal(keys, tmp_path)
    assert status == 0 and "Outcome: quit" in out
    assert "\x1b" not in out


def test_a_paste_longer_than_what_is_graded_is_cut_and_said(keys: PipeInput, toy: Rubric) -> None:
    out = io.StringIO()
    terminal = reader(keys, out)
    keys.send_text(paste("A toy is a thing you play with. " * 2000) + ENTER + ENTER + CTRL_D)
    interview = Interview(toy, OfflineBackend())
    run_chat(interview, io.StringIO(), out, term=Terminal(Style(False), reader=terminal))
    assert len(interview.turns[0].answer) == MAX_ANSWER_CHARS
    assert f"only the first {MAX_ANSWER_CHARS:,} were graded" in out.getvalue()


def test_the_terminal_path_is_only_taken_on_a_terminal() -> None:
    assert editor.__name__ == "agent.cli.editor"
    from agent.cli.repl import terminal

    assert not terminal(io.StringIO(), io.StringIO(), False).editor
    assert not terminal(_Terminal(), io.StringIO(), False).editor  # output to a pipe: plain lines
    assert terminal(_Terminal(), _Terminal(), False).editor
