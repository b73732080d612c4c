"""Where the packaged prompts and rubrics live, and the one way templates are rendered.

In a wheel they ship inside the package (``agent/prompts``, ``agent/rubrics``, see
pyproject's force-include); in a source checkout or editable install they sit at the top of the
repository. Both layouts resolve here, so nothing else needs to know.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

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


def template_environment(folder: Path) -> jinja2.Environment:
    """The Jinja environment for one folder of templates (prompts, report templates).

    ``StrictUndefined`` makes a template that names a missing variable fail loudly instead of
    rendering an empty string. ``.html`` templates are autoescaped; text and Markdown templates
    escape through filters of their own, and prompts mark candidate text with a ``data`` filter.
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
