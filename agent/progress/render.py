"""Rendering a ``ProgressReport`` as text, HTML or JSON.

The templates render through the same kind of Jinja environment as replay's report, with
replay's template folder behind this one, so the HTML page includes the very same stylesheet
(``style.css``) and is autoescaped: a question id or a probe quoting the candidate cannot become
markup. Text strips control characters (the ``plain`` filter) so nothing drives the terminal.

The chart is computed here (``chart``) and only drawn by the template: inline SVG, one line per
dimension through its weekly mean scores, no script.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path, PurePath

import jinja2
from pydantic import BaseModel, ConfigDict

from agent.bank.rubric import DIMENSIONS
from agent.progress.model import ProgressReport, Trend
from agent.replay.render import COLOURS, Coord, Tick, render_as
from agent.replay.render import TEMPLATES as REPLAY_TEMPLATES
from agent.resources import template_environment
from agent.text import plain

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_FOR = {"text": "progress.txt", "html": "progress.html"}
FORMATS = ("text", "html", "json")


@cache
def environment() -> jinja2.Environment:
    env = template_environment(TEMPLATES)
    env.loader = jinja2.FileSystemLoader([TEMPLATES, REPLAY_TEMPLATES])
    env.filters["plain"] = plain
    env.filters["basename"] = lambda path: PurePath(str(path)).name
    env.filters["signed"] = lambda v: "-" if v is None else f"{v:+.1f}"
    env.filters["mean"] = lambda v: "-" if v is None else f"{v:.1f}"
    env.globals.update(dimensions=DIMENSIONS, colours=COLOURS, chart=chart)
    return env


def render(report: ProgressReport, fmt: str) -> str:
    """The report in one of the formats ``text``, ``html`` or ``json``."""
    text = render_as(environment(), TEMPLATE_FOR, report, fmt)
    if fmt == "text":  # the padded columns leave trailing blanks
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


class Point(BaseModel):
    model_config = ConfigDict(frozen=True)
    x: Coord
    y: Coord
    label: str


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)
    colour: str
    label: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


class LineChart(BaseModel):
    """Coordinates for the score-over-time chart (SVG user units)."""

    model_config = ConfigDict(frozen=True)
    width: Coord
    height: Coord
    left: Coord
    top: Coord
    plot_width: Coord
    plot_height: Coord
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[Tick]
    description: str


_LEVEL = 40.0
_WEEK = 64.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 24.0, 34.0, 42.0
_MIN_PLOT = 320.0


def _weeks(trends: list[Trend]) -> list[date]:
    return sorted({p.week for t in trends for p in t.weeks})


def chart(trends: list[Trend]) -> LineChart:
    """One line per dimension through its weekly mean (0-3), weeks spaced by the calendar."""
    weeks = _weeks(trends)
    span = (weeks[-1] - weeks[0]).days // 7 if weeks else 0
    plot_width = max(span * _WEEK, _MIN_PLOT)
    plot_height = 3 * _LEVEL

    def x_of(week: date) -> float:
        if span == 0:
            return _LEFT + plot_width / 2
        return _LEFT + (week - weeks[0]).days // 7 / span * plot_width

    base = _TOP + plot_height
    lines = [
        Line(
            colour=COLOURS[t.dimension],
            label=t.dimension.value,
            points=[
                Point(
                    x=x_of(p.week),
                    y=base - p.mean * _LEVEL,
                    label=f"{t.dimension.value}, week of {p.week}: {p.mean:.2f}/3 "
                    f"({p.conversations} conversation(s))",
                )
                for p in t.weeks
            ],
        )
        for t in trends
    ]
    step = max(1, -(-len(weeks) // 10))  # at most about ten week labels
    x_ticks = [Tick(x=x_of(w), y=base + 16, label=f"{w:%b %d}") for w in weeks[::step]]
    y_ticks = [Tick(x=_LEFT - 8, y=base - s * _LEVEL, label=str(s)) for s in range(4)]
    legend = [Tick(x=_LEFT + i * 90, y=14, label=t.dimension.value) for i, t in enumerate(trends)]
    rows = "; ".join(
        f"{t.dimension.value}: " + ", ".join(f"{p.week} {p.mean:.1f}" for p in t.weeks)
        for t in trends
        if t.weeks
    )
    return LineChart(
        width=_LEFT + plot_width + _RIGHT,
        height=base + _BOTTOM,
        left=_LEFT,
        top=_TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=legend,
        description=f"Mean score per week (0-3) - {rows}" if rows else "No scores to chart.",
    )
