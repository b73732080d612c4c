"""The "grading... Ns" line while a slow grader works, on a terminal only."""

from __future__ import annotations

import io
import time

from agent.bank.rubric import Rubric
from agent.cli.indicator import Indicator
from agent.cli.repl import Style, Terminal, run_chat
from agent.grading.backend import Assessment, TurnRequest
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview


class _Slow(ScriptedBackend):
    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        time.sleep(1.3)
        return super().assess(rubric, request)


def test_a_slow_turn_shows_the_elapsed_seconds_then_wipes_the_line(toy: Rubric) -> None:
    out = io.StringIO()
    interview = Interview(toy, _Slow([{"definition": 1}]))
    run_chat(
        interview,
        io.StringIO("A toy is a thing.\n\n/quit\n"),
        out,
        term=Terminal(Style(False), live=True),
    )
    text = out.getvalue()
    assert "\rgrading... 1s" in text
    shown = text.index("\rgrading... 1s")
    assert text[shown:].startswith("\rgrading... 1s\r" + " " * len("grading... 1s") + "\r")
    assert text.index("This answer:") > shown  # the scores come after the line is wiped


def test_nothing_is_shown_when_the_output_is_not_a_terminal(toy: Rubric) -> None:
    out = io.StringIO()
    interview = Interview(toy, _Slow([{"definition": 1}]))
    run_chat(
        interview,
        io.StringIO("A toy is a thing.\n\n/quit\n"),
        out,
        term=Terminal(Style(False), live=False),
    )
    assert "grading" not in out.getvalue()


def test_a_quick_grader_never_shows_it() -> None:
    out = io.StringIO()
    with Indicator(out, live=True, delay=0.5):
        pass
    assert out.getvalue() == ""


def test_the_seconds_count_up_and_the_line_is_wiped_on_an_error() -> None:
    out = io.StringIO()
    try:
        with Indicator(out, live=True, delay=0.05, interval=0.05):
            time.sleep(1.1)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    text = out.getvalue()
    assert "\rgrading... 0s" in text and "\rgrading... 1s" in text
    assert text.endswith("\r" + " " * len("grading... 1s") + "\r")
