"""Where things are: the packaged prompts, rubrics and templates (and the one way templates
are rendered), and the per-user data, config and cache directories.

In a wheel they ship inside the package (``agent/prompts``, ``agent/rubrics``, see
pyproject's force-include); in a source checkout or editable install they sit at the top of the
repository. Both layouts resolve here, so nothing else needs to know.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

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


# Per-user directories: XDG on Linux (``$XDG_DATA_HOME``, ``$XDG_CONFIG_HOME``,
# ``$XDG_CACHE_HOME`` and their usual defaults), ``~/Library/Application Support`` and
# ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` / ``%APPDATA%`` on Windows; always in a
# ``followup`` folder.
Kind = Literal["data", "config", "cache"]

_XDG: dict[Kind, tuple[str, tuple[str, ...]]] = {
    "data": ("XDG_DATA_HOME", (".local", "share")),
    "config": ("XDG_CONFIG_HOME", (".config",)),
    "cache": ("XDG_CACHE_HOME", (".cache",)),
}


def user_dir(kind: Kind) -> Path:
    """The per-user ``followup`` directory of one kind."""
    home = Path.home()
    if sys.platform == "win32":
        variable = "APPDATA" if kind == "config" else "LOCALAPPDATA"
        fallback = home / "AppData" / ("Roaming" if kind == "config" else "Local")
        base = Path(os.environ.get(variable) or fallback)
    elif sys.platform == "darwin":
        base = home / "Library" / ("Caches" if kind == "cache" else "Application Support")
    else:
        variable, parts = _XDG[kind]
        base = Path(os.environ.get(variable) or home.joinpath(*parts))
    return base / "followup"
