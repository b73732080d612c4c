"""Where the packaged prompts and rubrics live.

In a wheel they ship inside the package (``agent/prompts``, ``agent/rubrics``, see
pyproject's force-include); in a source checkout or editable install they sit at the top of the
repository. Both layouts resolve here, so nothing else needs to know.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resolve(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def rubrics_dir() -> Path:
    """The directory of the built-in question bank."""
    return _resolve("rubrics")


def prompts_dir() -> Path:
    """The directory of the Jinja prompt templates."""
    return _resolve("prompts")
