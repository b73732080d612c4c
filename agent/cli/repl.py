"""The practice REPL: ask, read a multi-line answer, grade, probe, summarise.

Input and output are injected (any text streams), so tests drive a whole session through a
string; colour is used only when the output is a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.grading.grade import Grade
from agent.session.interview import Interview
from agent.session.policy import Outcome, Probe
from agent.session.summary import OUTCOME_TEXT, Summary, summarize
from agent.text import repair_surrogates

HELP = """Commands (type them on a line of their own):
  /hint   a hint for what the current question is after
  /skip   pass on this probe (its dimension is set aside)
  /score  your best score so far on each dimension
  /quit   end now and see the summary
  /help   this list
Type your answer over as many lines as you like; an empty line sends it.
Ctrl-C or end of input (Ctrl-D) also ends the session with the summary."""


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
    """Reads answers line by line; an empty line sends, end of input ends."""

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
    reader = _Input(stdin, stdout)
    write = stdout.write
    if banner:
        write(style.dim(banner) + "\n")
    write(style.dim("Type /help for commands. An empty line sends your answer.") + "\n\n")
    write(f"{style.bold('Q:')} {interview.open()}\n")
    probe: Probe | None = None
    told_fallback = False  # the candidate hears about a failing backend once, not every turn
    try:
        while interview.outcome is None:
            text = reader.read_answer()
            if text is None:
                interview.quit()
                break
            if _COMMAND.match(text):
                command = text.lower()
                if command in ("/quit", "/exit", "/q"):
                    interview.quit()
                elif command == "/help":
                    write(HELP + "\n")
                elif command == "/score":
                    write(f"Best so far: {_scores_line(interview.state.best, style)}\n")
                elif command == "/hint":
                    dim = probe.dimension if probe else Dimension.DEFINITION
                    write(f"Hint [{dim.value}]: {interview.rubric.dimension(dim).hint}\n")
                elif command == "/skip":
                    if probe is None:
                        write("Nothing to skip yet: answer the question first (or /quit).\n")
                        continue
                    probe, outcome = interview.skip()
                    write("Skipped.\n" if probe else "Skipped. Nothing left to probe.\n")
                    if probe is not None:
                        write(f"{style.cyan(f'Probe [{probe.dimension.value}]:')} {probe.text}\n")
                else:
                    write(f"Unknown command {text!r}. Type /help for the list.\n")
                continue
            result = interview.answer(text)
            if result.fallback:
                if not told_fallback:
                    told_fallback = True
                    write(
                        style.dim(
                            "(the model backend failed; turns it cannot grade are graded "
                            "offline and marked in the transcript)"
                        )
                        + "\n"
                    )
            else:
                for note in result.notes:
                    write(style.dim(f"({note})") + "\n")
            write(f"{style.dim('This answer:')} {_scores_line(result.grade, style)}\n")
            probe = result.probe
            if probe is not None:
                write(f"\n{style.cyan(f'Probe [{probe.dimension.value}]:')} {probe.text}\n")
            if reader.eof and interview.outcome is None:
                interview.quit()
    except KeyboardInterrupt:
        write("\n")
        interview.quit()
    summary = summarize(interview)
    write(render_summary(summary, style))
    if on_end is not None:
        tail = on_end()
        if tail:
            write(tail + "\n")
    stdout.flush()
    return summary


__all__ = ["HELP", "Outcome", "Style", "render_summary", "run_chat"]
