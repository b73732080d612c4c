"""Answers typed in a terminal, read with prompt_toolkit (what IPython and ptpython use).

* A paste is one answer, blank lines and all: the terminal marks it (bracketed paste) and the
  text goes into the answer without pressing Enter.
* Enter starts a new line at the end of the answer; Enter on an empty last line sends it (the
  habit the piped REPL teaches), wherever the cursor is; Alt-Enter (or Esc, Enter) sends at
  once.
* Arrows, Home/End, Ctrl-Left/Right and Alt-B/F move and edit; Up on the first line recalls
  earlier answers, kept per user in ``history`` in the data directory.
* Ctrl-C clears what was typed (Up brings it back); Ctrl-C on an empty prompt ends the session.
  Ctrl-D ends it too, after sending what was typed.
* No length limit: what is graded is capped by the interview (``MAX_ANSWER_CHARS``).

Only the REPL's terminal path imports this module (prompt_toolkit takes a while to import);
piped input is read by ``repl.PipedInput``, exactly as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from agent.cli.inputs import COMMAND, EMPTY_HINT

CLEARED = "(cleared - Up brings it back; Ctrl-C on an empty prompt or Ctrl-D ends the session)"


class _Cleared(Exception):
    """Ctrl-C with text typed: the prompt ends empty, the session goes on."""


class _Ended(Exception):
    """Ctrl-D, or Ctrl-C on an empty prompt: what was typed (if anything) is the last answer."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class SafeFileHistory(FileHistory):
    """A history file that never stops a session: unreadable or unwritable, it is skipped."""

    def load_history_strings(self) -> list[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        with contextlib.suppress(OSError):
            Path(str(self.filename)).parent.mkdir(parents=True, exist_ok=True)
            super().store_string(string)


def _bindings() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        """Enter carries on at the end of the answer: a new line, or sends after an empty one
        (a typo fixed mid-line is not split in two)."""
        buffer = event.current_buffer
        text = buffer.text
        if not text.strip():
            event.app.exit(result="")  # the reader asks for a second Enter
        elif COMMAND.match(text.strip()) or not text.rpartition("\n")[2].strip():
            buffer.text = text.strip() if COMMAND.match(text.strip()) else text.rstrip()
            buffer.validate_and_handle()
        else:
            buffer.cursor_position = len(text)
            buffer.newline(copy_margin=False)

    @keys.add("escape", "enter")
    def _send_now(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        buffer.text = buffer.text.rstrip()
        if buffer.text.strip():
            buffer.validate_and_handle()
        else:
            event.app.exit(result="")

    @keys.add("c-c")
    def _clear_or_end(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if not buffer.text.strip():
            event.app.exit(exception=_Ended(""))
            return
        buffer.append_to_history()  # a slip of the finger costs nothing: Up brings it back
        buffer.reset()
        event.app.erase_when_done = True
        event.app.exit(exception=_Cleared())

    @keys.add("c-d")
    def _end(event: KeyPressEvent) -> None:
        text = event.current_buffer.text.rstrip()
        if text.strip():
            event.current_buffer.append_to_history()
        event.app.exit(exception=_Ended(text))

    return keys


class TerminalInput:
    """Reads whole answers from a terminal (see the module docstring).

    Args:
        out: where the reader's own messages go (the REPL's output).
        history: earlier answers (a ``SafeFileHistory`` in the data directory; None: kept
            only for this session).
        input: prompt_toolkit input (tests: ``create_pipe_input()``; None: the terminal).
        output: prompt_toolkit output (tests: ``DummyOutput()``; None: the terminal).
        status: text shown before the prompt (the clock of a timed question).
    """

    hint = "Paste freely: an empty line sends your answer; Up recalls earlier ones."

    def __init__(
        self,
        out: TextIO,
        history: History | None = None,
        input: Input | None = None,  # noqa: A002 - prompt_toolkit's name
        output: Output | None = None,
        status: Callable[[], str] | None = None,
    ) -> None:
        self.out = out
        self.eof = False
        self.status = status
        self.session: PromptSession[str] = PromptSession(
            message=self._message,
            multiline=True,
            prompt_continuation="  ",
            key_bindings=_bindings(),
            history=history or InMemoryHistory(),
            enable_history_search=False,
            input=input,
            output=output,
        )

    def _message(self) -> ANSI:
        """The prompt, after the clock of a timed question when there is one."""
        shown = self.status() if self.status else ""
        return ANSI(f"{shown} > " if shown else "> ")

    def _prompt(self) -> str:
        self.out.flush()
        self.session.app.erase_when_done = False
        return self.session.prompt()

    def read_answer(self) -> str | None:
        """The next answer or /command; None when the session should end with nothing typed."""
        empty_streak = 0
        while True:
            try:
                text = self._prompt()
            except _Cleared:
                self.out.write(CLEARED + "\n")
                continue
            except _Ended as end:
                self.eof = True
                return end.text or None
            except EOFError:  # the input closed
                self.eof = True
                return None
            if text.strip():
                return text
            empty_streak += 1
            if empty_streak >= 2:
                return ""
            self.out.write(EMPTY_HINT + "\n")


def history_file(data_dir: Path) -> SafeFileHistory:
    """The per-user answer history."""
    return SafeFileHistory(str(data_dir / "history"))
