"""The practice REPL: ask, read a multi-line answer, grade, probe, summarise.

Input and output are injected (any text streams), so tests drive a whole session through a
string; colour is used only when the output is a terminal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.grading.grade import Grade
from agent.session.interview import Interview
from agent.session.policy import Outcome, Probe
from agent.session.summary import OUTCOME_TEXT, Summary, summarize
from agent.text import repair_surrogates


@dataclass(frozen=True)
class Style:
    """ANSI styling that switches itself off when the output is not a terminal."""

    enabled: bool

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def score(self, value: int) -> str:
        colour = {0: "31", 1: "33", 2: "32", 3: "1;32"}[value]
        return self._wrap(colour, str(value))


_COMMAND = re.compile(r"^/[A-Za-z]+$")  # "/usr/data" is an answer, "/hint" a command


class _Input:
    """Reads answers line by line; an empty line sends, end of input ends.

    ``status`` (e.g. the clock of a timed question) is shown before the prompt on a terminal.
    """

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
            if not lines and _COMMAND.match(line.strip()):
                return line.strip()
            if line.strip() == "":
                if lines:
                    return "\n".join(lines)
                empty_streak += 1
                if empty_streak >= 2:
                    return ""
                self.out.write(
                    "(empty line: type your answer, or press Enter again to send it empty)\n"
                )
                continue
            lines.append(line)


def _scores_line(grade: Grade | dict[Dimension, int], style: Style) -> str:
    scores = grade.scores() if isinstance(grade, Grade) else grade
    return "  ".join(f"{d.value} {style.score(scores[d])}" for d in DIMENSIONS)


def render_summary(summary: Summary, style: Style) -> str:
    """The end-of-session summary as terminal text."""
    out = [
        "",
        style.bold("Summary"),
        f"Question: {summary.question}",
        f"Outcome: {summary.outcome.value} ({OUTCOME_TEXT[summary.outcome]}), "
        f"{summary.answers} answer(s)",
        "",
    ]
    for d in summary.dimensions:
        where = f" (turn {d.turn})" if d.turn else ""
        out.append(f"{style.bold(d.dimension.value.capitalize())}: {style.score(d.score)}/3{where}")
        for e in d.evidence[:2]:
            quoted = e if len(e) <= 160 else e[:157] + "..."
            out.append(f'  evidence: "{quoted}"')
        if d.score > 0:
            out.append(f"  why: {d.reason}")
        if d.missing:
            out.append(f"  missing: {d.missing}")
    if summary.weakest is not None:
        out.append("")
        out.append(f"Practise next: {summary.weakest.value}.")
    out += ["", style.bold("A strong answer to compare with:"), summary.reference_answer, ""]
    return "\n".join(out)


@dataclass
class _Chat:
    """One REPL session's state: the interview, the output, the probe being answered."""

    interview: Interview
    write: Callable[[str], object]
    style: Style
    probe: Probe | None = None
    told_fallback: bool = False
    """The candidate hears about a failing backend once, not every turn."""
    table: dict[str, Command] = field(default_factory=lambda: _BY_NAME)
    help: str = field(default_factory=lambda: HELP)
    leave: bool = False
    """The candidate ended everything (/quit, end of input, Ctrl-C), not just this question."""

    def show_probe(self) -> None:
        if self.probe is not None:
            label = self.style.cyan(f"Probe [{self.probe.dimension.value}]:")
            self.write(f"\n{label} {self.probe.text}\n")

    def answer(self, text: str) -> None:
        result = self.interview.answer(text)
        if result.fallback and not self.told_fallback:
            self.told_fallback = True
            self.write(
                self.style.dim(
                    "(the model backend failed; turns it cannot grade are graded "
                    "offline and marked in the transcript)"
                )
                + "\n"
            )
        elif not result.fallback:
            for note in result.notes:
                self.write(self.style.dim(f"({note})") + "\n")
        self.write(f"{self.style.dim('This answer:')} {_scores_line(result.grade, self.style)}\n")
        self.probe = result.probe
        self.show_probe()


def _hint(chat: _Chat) -> None:
    dim = chat.probe.dimension if chat.probe else Dimension.DEFINITION
    chat.write(f"Hint [{dim.value}]: {chat.interview.rubric.dimension(dim).hint}\n")


def _skip(chat: _Chat) -> None:
    if chat.probe is None:
        chat.write("Nothing to skip yet: answer the question first (or /quit).\n")
        return
    chat.probe, _ = chat.interview.skip()
    chat.write("Skipped.\n" if chat.probe else "Skipped. Nothing left to probe.\n")
    if chat.probe is not None:
        label = chat.style.cyan(f"Probe [{chat.probe.dimension.value}]:")
        chat.write(f"{label} {chat.probe.text}\n")


def _score(chat: _Chat) -> None:
    chat.write(f"Best so far: {_scores_line(chat.interview.state.best, chat.style)}\n")


def _quit(chat: _Chat) -> None:
    chat.leave = True
    if not chat.interview.expire():
        chat.interview.quit()


def _next(chat: _Chat) -> None:
    if not chat.interview.expire():
        chat.interview.quit()


def _help(chat: _Chat) -> None:
    chat.write(chat.help + "\n")


@dataclass(frozen=True)
class Command:
    """A REPL command: its names (the first is shown), what it does, and its help line."""

    names: tuple[str, ...]
    help: str
    run: Callable[[_Chat], None]


COMMANDS = (
    Command(("/hint",), "a hint for what the current question is after", _hint),
    Command(("/skip",), "pass on this probe (its dimension is set aside)", _skip),
    Command(("/score",), "your best score so far on each dimension", _score),
    Command(("/quit", "/exit", "/q"), "end now and see the summary", _quit),
    Command(("/help",), "this list", _help),
)
_BY_NAME: dict[str, Command] = {name: command for command in COMMANDS for name in command.names}
MOCK_COMMANDS = (
    *(c for c in COMMANDS if c.run is not _quit and c.run is not _help),
    Command(("/next",), "end this question and move on to the next", _next),
    Command(("/quit", "/exit", "/q"), "end the mock interview now and see the report", _quit),
    Command(("/help",), "this list", _help),
)
_MOCK_BY_NAME = {name: command for command in MOCK_COMMANDS for name in command.names}


def help_text(commands: tuple[Command, ...], ends: str) -> str:
    return "\n".join(
        [
            "Commands (type them on a line of their own):",
            *(f"  {c.names[0]:<8}{c.help}" for c in commands),
            "Type your answer over as many lines as you like; an empty line sends it.",
            f"Ctrl-C or end of input (Ctrl-D) also ends {ends}.",
        ]
    )


HELP: str = help_text(COMMANDS, "the session with the summary")
MOCK_HELP = help_text(MOCK_COMMANDS, "the mock interview with the report") + (
    "\nWith a time limit, the next thing you send once it is up ends the question "
    "(an answer still counts)."
)


def _stop(chat: _Chat) -> None:
    """Input is over: end the question (out of time if it is) and everything after it."""
    chat.leave = True
    if not chat.interview.expire():
        chat.interview.quit()


def _command(chat: _Chat, text: str) -> None:
    command = chat.table.get(text.lower())
    if command is None:
        chat.write(f"Unknown command {text!r}. Type /help for the list.\n")
    elif chat.interview.expire():  # the time ran out before it: the question is over
        chat.leave = command.run is _quit
    else:
        command.run(chat)


def _loop(chat: _Chat, reader: _Input) -> None:
    interview = chat.interview
    while interview.outcome is None and not interview.expire():
        text = reader.read_answer()
        if text is None:
            _stop(chat)
            return
        if _COMMAND.match(text):
            _command(chat, text)
            continue
        chat.answer(text)
        if reader.eof and interview.outcome is None:
            _stop(chat)


def mmss(seconds: float) -> str:
    """``1:05`` for 65 seconds."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def clock_text(interview: Interview) -> str:
    """``[1:05 elapsed, 3:55 left]`` for a timed question, else empty."""
    remaining = interview.remaining()
    if remaining is None:
        return ""
    return f"[{mmss(interview.elapsed())} elapsed, {mmss(math.ceil(remaining))} left]"


def converse(interview: Interview, stdin: TextIO, stdout: TextIO, style: Style, mock: bool) -> bool:
    """Ask the question and run the conversation to its outcome; True if the candidate left.

    ``mock`` gives the loop's commands (``/next`` moves on, ``/quit`` ends the loop).
    """
    chat = _Chat(interview, stdout.write, style)
    if mock:
        chat.table, chat.help = _MOCK_BY_NAME, MOCK_HELP
    chat.write(f"{style.bold('Q:')} {interview.open()}\n")
    timed = interview.time_limit is not None
    status = (lambda: style.dim(clock_text(interview))) if timed else None
    try:
        _loop(chat, _Input(stdin, stdout, status))
    except KeyboardInterrupt:
        chat.write("\n")
        _stop(chat)
    if interview.outcome is Outcome.OUT_OF_TIME and interview.time_limit is not None:
        chat.write(f"\nTime is up ({mmss(interview.time_limit)} for this question).\n")
    return chat.leave


def run_chat(
    interview: Interview,
    stdin: TextIO,
    stdout: TextIO,
    color: bool = False,
    banner: str = "",
    on_end: Callable[[], str | None] | None = None,
) -> Summary:
    """Run one interview over the given streams until it reaches an outcome."""
    style = Style(color)
    if banner:
        stdout.write(style.dim(banner) + "\n")
    stdout.write(style.dim("Type /help for commands. An empty line sends your answer.") + "\n\n")
    converse(interview, stdin, stdout, style, mock=False)
    summary = summarize(interview)
    stdout.write(render_summary(summary, style))
    if on_end is not None:
        tail = on_end()
        if tail:
            stdout.write(tail + "\n")
    stdout.flush()
    return summary


__all__ = [
    "COMMANDS",
    "HELP",
    "MOCK_COMMANDS",
    "MOCK_HELP",
    "Command",
    "Style",
    "clock_text",
    "converse",
    "mmss",
    "render_summary",
    "run_chat",
]
