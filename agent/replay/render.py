"""Rendering a ``ReplayReport`` as text, Markdown, HTML or JSON.

Text, Markdown and HTML come from Jinja templates shipped inside the package
(``agent/replay/templates``; ``parts.html`` holds the pieces progress's page shares), all
rendered with ``StrictUndefined`` (``render_as``, ``render_template``), so a
misspelt field fails loudly instead of printing nothing. HTML is autoescaped; Markdown escapes
through the ``md`` filters (a candidate's ``<script>`` must not become markup in a Markdown
viewer either), and text strips control characters so an answer cannot drive the terminal.

Control characters (and terminal escapes) are removed from every value any template prints
(the environment's ``finalize``), whatever the format; JSON keeps the data as it is, escaped.

The HTML chart is computed here (``chart``) and only drawn by the template: inline SVG, one
group of four bars per turn (per run of turns in a long session), no script. Long reports stay
usable: sessions are collapsible and start closed past ``OPEN_TURNS`` answers in all, and a
session's turns past ``TURN_BLOCK`` are grouped in collapsed blocks (at most ``MAX_BLOCKS``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment
from markupsafe import Markup, escape
from pydantic import AfterValidator, BaseModel, ConfigDict

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.replay.model import ReplayReport, SessionReport
from agent.resources import template_environment
from agent.text import plain

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_FOR = {"text": "report.txt", "md": "report.md", "html": "report.html"}
FORMATS = ("text", "md", "html", "json")
OPEN_TURNS = 60
"""A report with more answers than this opens with its sessions collapsed (one session stays
open); printing shows everything."""
TURN_BLOCK = 50
"""A session with more turns than this shows them in collapsed blocks of this many."""
MAX_BLOCKS = 40
"""At most this many blocks: a longer session gets longer blocks."""
CHART_GROUPS = 12
"""A chart draws at most this many groups of bars, so it stays legible on a phone; a longer
session's turns are pooled (each group the mean of a run of turns)."""

COLOURS = {
    Dimension.DEFINITION: "#0072b2",
    Dimension.IMPLICATION: "#d55e00",
    Dimension.EXAMPLE: "#009e73",
    Dimension.TRADEOFF: "#cc79a7",
}
"""Okabe-Ito colours: distinguishable with the common colour-vision deficiencies."""


def printable(value: object) -> object:
    """What a template prints, with control characters and terminal escapes removed.

    Markup (a macro's output, already built from printable parts) passes unchanged.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return plain(value)
    return value


def breakable(text: object) -> Markup:
    """Escaped text that may wrap after each ``/`` (a long path on a phone), nowhere mid-word."""
    return Markup("/<wbr>").join(escape(part) for part in plain(text).split("/"))


def blocks(turns: list[Any]) -> list[list[Any]]:
    """A long session's turns in runs of ``TURN_BLOCK``, longer runs past ``MAX_BLOCKS`` runs
    (so 8,000 turns fold into 40 blocks, not 160)."""
    size = max(TURN_BLOCK, -(-len(turns) // MAX_BLOCKS))
    return [turns[i : i + size] for i in range(0, len(turns), size)] or [[]]


@cache
def environment() -> Environment:
    env = template_environment(TEMPLATES)
    env.finalize = printable
    env.filters["md"] = md_inline
    env.filters["mdquote"] = md_quote
    env.filters["plain"] = plain
    env.filters["breakable"] = breakable
    env.globals.update(
        dimensions=DIMENSIONS,
        colours=COLOURS,
        chart=chart,
        blocks=blocks,
        open_turns=OPEN_TURNS,
        turn_block=TURN_BLOCK,
    )
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one packaged template; an undefined name is an error, never an empty string."""
    return environment().get_template(name).render(**context)


def render_as(env: Environment, templates: dict[str, str], report: BaseModel, fmt: str) -> str:
    """A report model as JSON, or through the template ``templates`` names for ``fmt``.

    Raises:
        ValueError: a format with no template (and not ``json``).
    """
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    try:
        name = templates[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None
    return env.get_template(name).render(report=report)


def render(report: ReplayReport, fmt: str) -> str:
    """The report in one of the formats ``text``, ``md``, ``html`` or ``json``."""
    return render_as(environment(), TEMPLATE_FOR, report, fmt)


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
    per_group: int
    """Turns pooled in one group of bars (1 unless the session is long)."""
    x_title: str
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[Tick]
    description: str


_BAR = 12.0
_GROUP = 64.0
_LEVEL = 36.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 12.0, 34.0, 42.0
_MIN_PLOT, _MAX_PLOT = 324.0, 480.0
"""The plot's width in user units: a phone shows 480 units at about 3/4 scale."""


class _Group(BaseModel):
    """One group of bars: a turn, or a run of turns whose scores are averaged."""

    label: str
    name: str
    scores: list[tuple[Dimension, float]]


def _groups(session: SessionReport) -> tuple[int, list[_Group]]:
    per = max(1, -(-len(session.turns) // CHART_GROUPS))
    groups = []
    for i in range(0, len(session.turns), per):
        run = session.turns[i : i + per]
        first, last = run[0].turn, run[-1].turn
        means = [
            (d, sum(t.grades[j].score for t in run) / len(run)) for j, d in enumerate(DIMENSIONS)
        ]
        if per == 1:
            groups.append(_Group(label=f"T{first}", name=f"Turn {first}", scores=means))
        else:
            groups.append(
                _Group(label=f"{first}", name=f"Turns {first}-{last} (mean)", scores=means)
            )
    return per, groups


def _score(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def chart(session: SessionReport) -> Chart:
    """Grouped bars: per turn, the four dimensions' scores for that answer (0-3).

    A session of more than ``CHART_GROUPS`` turns is drawn in that many groups at most, each
    the mean score of a run of turns, so the chart stays readable and small.
    """
    per, groups = _groups(session)
    count = max(len(groups), 1)
    plot_width = min(max(count * _GROUP, _MIN_PLOT), _MAX_PLOT)
    group = plot_width / count
    bar = min(_BAR, (group - 6) / len(DIMENSIONS))
    plot_height = 3 * _LEVEL
    width = _LEFT + plot_width + _RIGHT
    bars: list[Bar] = []
    x_ticks: list[Tick] = []
    for i, g in enumerate(groups):
        middle = _LEFT + i * group + group / 2
        x0 = middle - bar * len(DIMENSIONS) / 2
        x_ticks.append(Tick(x=middle, y=_TOP + plot_height + 16, label=g.label))
        for j, (dim, score) in enumerate(g.scores):
            height = max(score * _LEVEL, 2.0)  # a sliver, so a 0 is visibly there
            bars.append(
                Bar(
                    x=x0 + j * bar + 1,
                    y=_TOP + plot_height - height,
                    width=bar - 2,
                    height=height,
                    colour=COLOURS[dim],
                    label=f"{g.name}, {dim.value}: {_score(score)}/3",
                )
            )
    y_ticks = [Tick(x=_LEFT - 8, y=_TOP + plot_height - s * _LEVEL, label=str(s)) for s in range(4)]
    legend = [Tick(x=_LEFT + i * 80, y=14, label=d.value) for i, d in enumerate(DIMENSIONS)]
    rows = "; ".join(
        f"{g.name.lower()}: " + ", ".join(f"{d.value} {_score(v)}" for d, v in g.scores)
        for g in groups
    )
    what = "Scores per turn" if per == 1 else f"Mean scores per {per} turns"
    return Chart(
        width=width,
        height=_TOP + plot_height + _BOTTOM,
        left=_LEFT,
        top=_TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        per_group=per,
        x_title="turn" if per == 1 else f"first turn of each group of {per}",
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=legend,
        description=f"{what} (0-3) - {rows}" if rows else "No answers to chart.",
    )
