"""The practice REPL: ask, read a multi-line answer, grade, probe, summarise.

Input and output are injected (any text streams, or a ``Reader``), so tests drive a whole
session through a string; colour is used only when asked for (a terminal, no ``NO_COLOR``).
Piped input is read line by line (``PipedInput``); a terminal gets ``editor.TerminalInput``.
Every string that did not come from followup itself (probes and notes from a model, quotes and
evidence from the candidate) is printed through ``agent.text.plain``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.cli.indicator import Indicator
from agent.grading.grade import Grade
from agent.session.interview import Interview, TurnResult
from agent.session.policy import Probe
from agent.session.summary import OUTCOME_TEXT, Summary, offline_turns, summarize
from agent.text import plain, repair_surrogates


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
    """Reads answers line by line; an empty line sends, end of input ends."""

    hint = "An empty line sends your answer."

    def __init__(self, stream: TextIO, out: TextIO) -> None:
        self.stream = stream
        self.out = out
        self.eof = False
        # Prompts only help someone typing; piped input would leave them dangling in the output.
        self.prompts = stream.isatty()

    def read_answer(self) -> str | None:
        """The next answer or /command; None at end of input with nothing typed."""
        lines: list[str] = []
        empty_streak = 0
        while True:
            if self.prompts:
                self.out.write("> " if not lines else "  ")
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


def _scores_line(grade: Grade | dict[Dimension, int], style: Style) -> str:
    scores = grade.scores() if isinstance(grade, Grade) else grade
    return "  ".join(f"{d.value} {style.score(scores[d])}" for d in DIMENSIONS)


def _turns(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"turn {numbers[0]}"
    return f"turns {numbers[0]}-{numbers[-1]}"


def offline_lines(offline: Sequence[tuple[int, str]]) -> list[str]:
    """Which turns were graded offline and why, consecutive turns with one reason together."""
    groups: list[tuple[list[int], str]] = []
    for turn, reason in offline:
        if groups and groups[-1][1] == reason and groups[-1][0][-1] == turn - 1:
            groups[-1][0].append(turn)
        else:
            groups.append(([turn], reason))
    return [f"  {_turns(turns)}: {plain(reason) or 'the model failed'}" for turns, reason in groups]


def render_summary(summary: Summary, style: Style, offline: Sequence[tuple[int, str]] = ()) -> str:
    """The end-of-session summary as terminal text (``offline``: turns the model did not grade)."""
    out = [
        "",
        style.bold("Summary"),
        f"Question: {plain(summary.question)}",
        f"Outcome: {summary.outcome.value} ({OUTCOME_TEXT[summary.outcome]}), "
        f"{summary.answers} answer(s)",
        "",
    ]
    for d in summary.dimensions:
        where = f" (turn {d.turn})" if d.turn else ""
        out.append(f"{style.bold(d.dimension.value.capitalize())}: {style.score(d.score)}/3{where}")
        for e in d.evidence[:2]:
            quoted = " ".join(plain(e).split())
            quoted = quoted if len(quoted) <= 160 else quoted[:157] + "..."
            out.append(f'  evidence: "{quoted}"')
        if d.score > 0:
            out.append(f"  why: {plain(d.reason)}")
        if d.missing:
            out.append(f"  missing: {plain(d.missing)}")
    if offline:
        out += ["", style.bold("Graded offline (the model did not grade these turns):")]
        out += offline_lines(offline)
    if summary.weakest is not None:
        out.append("")
        out.append(f"Practise next: {summary.weakest.value}.")
    out += ["", style.bold("A strong answer to compare with:"), plain(summary.reference_answer), ""]
    return "\n".join(out)


@dataclass
class _Chat:
    """One REPL session's state: the interview, the output, the probe being answered."""

    interview: Interview
    write: Callable[[str], object]
    style: Style
    working: Callable[[], Indicator]
    """The "grading... Ns" line shown while an answer is graded."""
    probe: Probe | None = None
    told_fallback: bool = False
    """The candidate hears about a failing backend once, not every turn."""
    told_circuit: bool = False
    told_transcript: bool = False

    def note(self, text: str) -> None:
        self.write(self.style.dim(f"({plain(text)})") + "\n")

    def show_probe(self) -> None:
        if self.probe is not None:
            label = self.style.cyan(f"Probe [{self.probe.dimension.value}]:")
            self.write(f"\n{label} {plain(self.probe.text)}\n")

    def answer(self, text: str) -> None:
        with self.working():
            result = self.interview.answer(text)
        self.tell_backend(result)
        self.write(f"{self.style.dim('This answer:')} {_scores_line(result.grade, self.style)}\n")
        self.probe = result.probe
        self.show_probe()

    def tell_backend(self, result: TurnResult) -> None:
        """What the candidate should know about how this turn was graded."""
        info = result.fallback_info
        if result.cut:
            self.note(result.cut)
        if info is not None and info.circuit and not self.told_circuit:
            self.told_circuit = self.told_fallback = True
            self.note(f"{info.circuit}; grading offline for the rest of this session")
        elif result.fallback and not self.told_fallback:
            self.told_fallback = True
            reason = f": {info.reason}" if info else ""
            self.note(
                f"the model backend failed{reason}; this turn was graded offline and is "
                "marked in the transcript"
            )
        elif not result.fallback:
            for note in result.notes:
                if note != result.cut:
                    self.note(note)

    def tell_transcript(self) -> None:
        error = self.interview.transcript_error
        if error and not self.told_transcript:
            self.told_transcript = True
            self.note(f"{error}; the session goes on, but the rest of it is not saved")


def _hint(chat: _Chat) -> None:
    dim = chat.probe.dimension if chat.probe else Dimension.DEFINITION
    chat.write(f"Hint [{dim.value}]: {plain(chat.interview.rubric.dimension(dim).hint)}\n")


def _skip(chat: _Chat) -> None:
    if chat.probe is None:
        chat.write("Nothing to skip yet: answer the question first (or /quit).\n")
        return
    chat.probe, _ = chat.interview.skip()
    chat.write("Skipped.\n" if chat.probe else "Skipped. Nothing left to probe.\n")
    if chat.probe is not None:
        label = chat.style.cyan(f"Probe [{chat.probe.dimension.value}]:")
        chat.write(f"{label} {plain(chat.probe.text)}\n")


def _score(chat: _Chat) -> None:
    chat.write(f"Best so far: {_scores_line(chat.interview.state.best, chat.style)}\n")


def _quit(chat: _Chat) -> None:
    chat.interview.quit()


def _help(chat: _Chat) -> None:
    chat.write(HELP + "\n")


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
_BY_NAME = {name: command for command in COMMANDS for name in command.names}
HELP = "\n".join(
    [
        "Commands (type them on a line of their own):",
        *(f"  {c.names[0]:<8}{c.help}" for c in COMMANDS),
        "Type your answer over as many lines as you like; an empty line sends it.",
        "In a terminal: paste a whole answer at once (its blank lines do not send it);",
        "arrows, Home/End and Ctrl-Left/Right edit; Up recalls earlier answers;",
        "Alt-Enter sends at once; Ctrl-C clears what you typed.",
        "Ctrl-C on an empty prompt, or end of input (Ctrl-D), ends the session with the summary.",
    ]
)


def _loop(chat: _Chat, reader: Reader) -> None:
    interview = chat.interview
    while interview.outcome is None:
        text = reader.read_answer()
        if text is None:
            interview.quit()
            return
        if COMMAND.match(text):
            command = _BY_NAME.get(text.lower())
            if command is None:
                chat.write(f"Unknown command {text!r}. Type /help for the list.\n")
            else:
                command.run(chat)
        else:
            chat.answer(text)
            if reader.eof and interview.outcome is None:
                interview.quit()
        chat.tell_transcript()


def run_chat(
    interview: Interview,
    stdin: TextIO,
    stdout: TextIO,
    color: bool = False,
    banner: str = "",
    on_end: Callable[[], str | None] | None = None,
    reader: Reader | None = None,
    live: bool = False,
) -> Summary:
    """Run one interview over the given streams until it reaches an outcome.

    Args:
        reader: where answers come from (default: ``stdin`` line by line).
        live: the output is a terminal: show "grading... Ns" while a slow grader works.
    """
    style = Style(color)
    chat = _Chat(interview, stdout.write, style, lambda: Indicator(stdout, live))
    reader = reader or PipedInput(stdin, stdout)
    if banner:
        chat.write(style.dim(plain(banner)) + "\n")
    chat.write(style.dim(f"Type /help for commands. {reader.hint}") + "\n\n")
    chat.write(f"{style.bold('Q:')} {plain(interview.open())}\n")
    chat.tell_transcript()
    try:
        _loop(chat, reader)
    except KeyboardInterrupt:
        chat.write("\n")
        interview.quit()
    chat.tell_transcript()
    summary = summarize(interview)
    chat.write(render_summary(summary, style, offline_turns(interview)))
    if on_end is not None:
        tail = on_end()
        if tail:
            chat.write(tail + "\n")
    stdout.flush()
    return summary


__all__ = [
    "COMMANDS",
    "HELP",
    "Command",
    "PipedInput",
    "Reader",
    "Style",
    "render_summary",
    "run_chat",
]
