"""Rendering a ``ReplayReport`` as text, Markdown, HTML or JSON.

Text, Markdown and HTML come from Jinja templates shipped inside the package
(``agent/templates``), all rendered through ``render_template`` with ``StrictUndefined``, so a
misspelt field fails loudly instead of printing nothing. HTML is autoescaped; Markdown escapes
through the ``md`` filters (a candidate's ``<script>`` must not become markup in a Markdown
viewer either), and text strips control characters so an answer cannot drive the terminal.

The HTML chart is computed here (``chart``) and only drawn by the template: inline SVG, one
group of four bars per turn, no script.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment
from pydantic import AfterValidator, BaseModel, ConfigDict

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.replay.model import ReplayReport, SessionReport
from agent.resources import template_environment
from agent.text import plain

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_FOR = {"text": "report.txt", "md": "report.md", "html": "report.html"}
FORMATS = ("text", "md", "html", "json")

COLOURS = {
    Dimension.DEFINITION: "#0072b2",
    Dimension.IMPLICATION: "#d55e00",
    Dimension.EXAMPLE: "#009e73",
    Dimension.TRADEOFF: "#cc79a7",
}
"""Okabe-Ito colours: distinguishable with the common colour-vision deficiencies."""


@cache
def environment() -> Environment:
    env = template_environment(TEMPLATES)
    env.filters["md"] = md_inline
    env.filters["mdquote"] = md_quote
    env.filters["plain"] = plain
    env.globals.update(dimensions=DIMENSIONS, colours=COLOURS, chart=chart)
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one packaged template; an undefined name is an error, never an empty string."""
    return environment().get_template(name).render(**context)


def render(report: ReplayReport, fmt: str) -> str:
    """The report in one of the formats ``text``, ``md``, ``html`` or ``json``."""
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    try:
        name = TEMPLATE_FOR[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None
    return render_template(name, report=report)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def _md_escape(line: str) -> str:
    """Backslash-escape Markdown punctuation, then make ``&``, ``<``, ``>`` entities (no HTML)."""
    line = _MD_SPECIAL.sub(r"\\\1", line)
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_inline(text: object) -> str:
    """Text safe inside a Markdown paragraph or table cell: one line, nothing interpreted."""
    return _md_escape(" ".join(plain(text).split()))


def md_quote(text: object) -> str:
    """Multi-line text as an escaped Markdown block quote, line breaks kept."""
    lines = plain(text).splitlines() or [""]
    quoted = []
    for line in lines:
        body = _md_escape(line.rstrip())
        quoted.append(f"> {body}  " if body else ">")
    return "\n".join(quoted).rstrip()


Coord = Annotated[float, AfterValidator(lambda v: round(v, 1))]
"""An SVG coordinate, rounded so the markup stays short and stable."""


class Bar(BaseModel):
    model_config = ConfigDict(frozen=True)
    x: Coord
    y: Coord
    width: Coord
    height: Coord
    colour: str
    label: str


class Tick(BaseModel):
    model_config = ConfigDict(frozen=True)
    x: Coord
    y: Coord
    label: str


class Chart(BaseModel):
    """Coordinates for the per-turn score chart (SVG user units)."""

    model_config = ConfigDict(frozen=True)
    width: Coord
    height: Coord
    left: Coord
    top: Coord
    plot_width: Coord
    plot_height: Coord
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[Tick]
    description: str


_BAR = 12.0
_GAP = 16.0
_LEVEL = 36.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 12.0, 34.0, 42.0
_MIN_WIDTH = 380.0


def chart(session: SessionReport) -> Chart:
    """Grouped bars: per turn, the four dimensions' scores for that answer (0-3)."""
    turns = max(len(session.turns), 1)
    plot_width = max(turns * (_BAR * len(DIMENSIONS) + _GAP), _MIN_WIDTH - _LEFT - _RIGHT)
    group = plot_width / turns
    plot_height = 3 * _LEVEL
    width = _LEFT + plot_width + _RIGHT
    bars: list[Bar] = []
    x_ticks: list[Tick] = []
    for i, turn in enumerate(session.turns):
        middle = _LEFT + i * group + group / 2
        x0 = middle - _BAR * len(DIMENSIONS) / 2
        x_ticks.append(Tick(x=middle, y=_TOP + plot_height + 16, label=f"T{turn.turn}"))
        for j, grade in enumerate(turn.grades):
            height = max(grade.score * _LEVEL, 2.0)  # a sliver, so a 0 is visibly there
            bars.append(
                Bar(
                    x=x0 + j * _BAR + 1,
                    y=_TOP + plot_height - height,
                    width=_BAR - 2,
                    height=height,
                    colour=COLOURS[grade.dimension],
                    label=f"Turn {turn.turn}, {grade.dimension.value}: {grade.score}/3",
                )
            )
    y_ticks = [Tick(x=_LEFT - 8, y=_TOP + plot_height - s * _LEVEL, label=str(s)) for s in range(4)]
    legend = [Tick(x=_LEFT + i * 80, y=14, label=d.value) for i, d in enumerate(DIMENSIONS)]
    rows = "; ".join(
        f"turn {t.turn}: " + ", ".join(f"{g.dimension.value} {g.score}" for g in t.grades)
        for t in session.turns
    )
    return Chart(
        width=width,
        height=_TOP + plot_height + _BOTTOM,
        left=_LEFT,
        top=_TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=legend,
        description=f"Scores per turn (0-3) - {rows}" if rows else "No answers to chart.",
    )
