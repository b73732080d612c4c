"""The practice REPL: ask, read a multi-line answer, grade, probe, summarise.

Input and output are injected (any text streams, or a ``Reader``), so tests drive a whole
session through a string; colour is used only when asked for (a terminal, no ``NO_COLOR``).
Piped input is read line by line (``PipedInput``); a terminal gets ``editor.TerminalInput``.
Every string that did not come from followup itself (probes and notes from a model, quotes and
evidence from the candidate) is printed through ``agent.text.plain``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.cli.indicator import Indicator
from agent.cli.inputs import COMMAND, PipedInput, Reader
from agent.grading.grade import Grade
from agent.session import data_dir
from agent.session.interview import Interview, TurnResult
from agent.session.policy import Outcome, Probe
from agent.session.summary import OUTCOME_TEXT, Summary, offline_turns, summarize
from agent.text import plain


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
    table: dict[str, Command] = field(default_factory=lambda: _BY_NAME)
    help: str = field(default_factory=lambda: HELP)
    leave: bool = False
    """The candidate ended everything (/quit, end of input, Ctrl-C), not just this question."""

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
            "In a terminal: paste a whole answer at once (its blank lines do not send it);",
            "arrows, Home/End and Ctrl-Left/Right edit; Up recalls earlier answers;",
            "Alt-Enter sends at once; Ctrl-C clears what you typed.",
            f"Ctrl-C on an empty prompt, or end of input (Ctrl-D), ends {ends}.",
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


def _loop(chat: _Chat, reader: Reader) -> None:
    interview = chat.interview
    while interview.outcome is None and not interview.expire():
        text = reader.read_answer()
        if text is None:
            _stop(chat)
            return
        if COMMAND.match(text):
            _command(chat, text)
        else:
            chat.answer(text)
            if reader.eof and interview.outcome is None:
                _stop(chat)
        chat.tell_transcript()


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


@dataclass(frozen=True)
class Terminal:
    """How a conversation talks to the person: styling, the input, a live indicator."""

    style: Style
    reader: Reader | None = None
    """Where answers come from (None: stdin line by line)."""
    live: bool = False
    """The output is a terminal: show "grading... Ns" while a slow grader works."""
    editor: bool = False
    """Read answers with the line editor (a terminal on both sides), not line by line."""

    def reader_for(self, stdin: TextIO, stdout: TextIO, status: Callable[[], str] | None) -> Reader:
        if self.reader is not None:
            return self.reader
        if self.editor:
            from agent.cli.editor import TerminalInput, history_file

            return TerminalInput(stdout, history_file(data_dir()), status=status)
        return PipedInput(stdin, stdout, status)


def terminal(stdin: TextIO, stdout: TextIO, color: bool) -> Terminal:
    """The conversation's terminal for these streams: the editor and the indicator on a tty."""
    tty = stdin.isatty() and stdout.isatty()
    return Terminal(Style(color), live=stdout.isatty(), editor=tty)


def converse(
    interview: Interview, stdin: TextIO, stdout: TextIO, term: Terminal, mock: bool
) -> bool:
    """Ask the question and run the conversation to its outcome; True if the candidate left.

    ``mock`` gives the loop's commands (``/next`` moves on, ``/quit`` ends the loop).
    """
    style = term.style
    chat = _Chat(interview, stdout.write, style, lambda: Indicator(stdout, term.live))
    if mock:
        chat.table, chat.help = _MOCK_BY_NAME, MOCK_HELP
    chat.write(f"{style.bold('Q:')} {plain(interview.open())}\n")
    chat.tell_transcript()
    timed = interview.time_limit is not None
    status = (lambda: style.dim(clock_text(interview))) if timed else None
    try:
        _loop(chat, term.reader_for(stdin, stdout, status))
    except KeyboardInterrupt:
        chat.write("\n")
        _stop(chat)
    chat.tell_transcript()
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
    term: Terminal | None = None,
) -> Summary:
    """Run one interview over the given streams until it reaches an outcome.

    Args:
        term: how to read answers and show progress (default: ``stdin`` line by line, no
            indicator; ``terminal()`` gives the editor and indicator on a tty).
    """
    term = term or Terminal(Style(color))
    style = term.style
    reader = term.reader_for(stdin, stdout, None)  # a chat has no clock to show
    term = dataclasses.replace(term, reader=reader)
    hint = reader.hint
    if banner:
        stdout.write(style.dim(plain(banner)) + "\n")
    stdout.write(style.dim(f"Type /help for commands. {hint}") + "\n\n")
    converse(interview, stdin, stdout, term, mock=False)
    summary = summarize(interview)
    stdout.write(render_summary(summary, style, offline_turns(interview)))
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
    "PipedInput",
    "Reader",
    "Style",
    "Terminal",
    "clock_text",
    "terminal",
    "converse",
    "mmss",
    "render_summary",
    "run_chat",
]
