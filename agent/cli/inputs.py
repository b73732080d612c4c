"""Where a session's answers come from: the reader protocol and the line-by-line reader.

Piped input (tests, scripts, CI) is read line by line, exactly as a terminal without the line
editor would be; ``editor.TerminalInput`` reads a terminal. Both give whole answers or
``/commands``, and None at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, TextIO

from agent.text import repair_surrogates

COMMAND = re.compile(r"^/[A-Za-z]+$")  # "/usr/data" is an answer, "/hint" a command
EMPTY_HINT = "(empty line: type your answer, or press Enter again to send it empty)"


class Reader(Protocol):
    """Where answers come from: whole answers or /commands, None at the end."""

    eof: bool
    """True once the input has ended (the session ends after the answer in hand)."""
    hint: str
    """One line on how to send an answer, shown under the banner."""

    def read_answer(self) -> str | None: ...


class PipedInput:
    """Reads answers line by line; an empty line sends, end of input ends.

    ``status`` (e.g. the clock of a timed question) is shown before the prompt on a terminal.
    """

    hint = "An empty line sends your answer."

    def __init__(
        self, stream: TextIO, out: TextIO, status: Callable[[], str] | None = None
    ) -> None:
        self.stream = stream
        self.out = out
        self.eof = False
        # Prompts only help someone typing; piped input would leave them dangling in the output.
        self.prompts = stream.isatty()
        self.status = status

    def read_answer(self) -> str | None:
        """The next answer or /command; None at end of input with nothing typed."""
        lines: list[str] = []
        empty_streak = 0
        while True:
            if self.prompts:
                shown = self.status() if self.status and not lines else ""
                self.out.write(f"{shown} > " if shown else "> " if not lines else "  ")
                self.out.flush()
            try:
                raw = repair_surrogates(self.stream.readline())
            except UnicodeDecodeError:
                raw = "\ufffd\n"  # a strict decoder gave up on the line: keep going
            if raw == "":
                self.eof = True
                if self.prompts:
                    self.out.write("\n")
                return "\n".join(lines) if lines else None
            line = raw.rstrip("\n").rstrip("\r")
            if not lines and COMMAND.match(line.strip()):
                return line.strip()
            if line.strip() == "":
                if lines:
                    return "\n".join(lines)
                empty_streak += 1
                if empty_streak >= 2:
                    return ""
                self.out.write(EMPTY_HINT + "\n")
                continue
            lines.append(line)
