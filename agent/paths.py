"""Where followup keeps a user's files: one rule for data, config and cache directories.

XDG on Linux (``$XDG_DATA_HOME``, ``$XDG_CONFIG_HOME``, ``$XDG_CACHE_HOME`` and their usual
defaults), ``~/Library/Application Support`` and ``~/Library/Caches`` on macOS, and
``%LOCALAPPDATA%`` / ``%APPDATA%`` on Windows; always in a ``followup`` folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

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
