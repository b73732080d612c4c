"""What the offline grader finds in a rubric's own answers (and in any answer a coach tries).

A strong reference answer should make level-2 and level-3 points on every dimension; a weak
one should make few. ``followup rubric check`` prints this for each file it validates.
"""

from __future__ import annotations

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.offline.evidence import index_text
from agent.models import Frozen


class PointsFound(Frozen):
    """The points (and misconceptions) one answer makes, per dimension."""

    label: str
    points: dict[Dimension, list[str]]
    misconceptions: list[str]


def points_made(rubric: Rubric, label: str, answer: str) -> PointsFound:
    """Which of the rubric's points the answer makes, as ``id(Llevel)``."""
    index = index_text(answer)
    points = {
        dim: [f"{p.id}(L{p.level})" for p in rubric.dimension(dim).points if index.find(p.compiled)]
        for dim in DIMENSIONS
    }
    wrong = [m.id for m in rubric.misconceptions if index.find(m.compiled)]
    return PointsFound(label=label, points=points, misconceptions=wrong)


def render_points(found: PointsFound) -> str:
    lines = [f"  [{found.label}]"]
    for dim in DIMENSIONS:
        lines.append(f"    {dim.value:12s} {', '.join(found.points[dim]) or '-'}")
    if found.misconceptions:
        lines.append(f"    MISCONCEPTIONS: {', '.join(found.misconceptions)}")
    return "\n".join(lines)
