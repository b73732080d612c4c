"""What the commands share on the way out: a progress bar on a terminal, atomic report files."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from agent.errors import UsageError

BAR_WIDTH = 30
REDRAW_EVERY = 0.1
"""Seconds between redraws: a bar told about every one of 100,000 answers stays cheap."""


def progress_bar(
    stream: TextIO, unit: str = "cases", *, delay: float = 0.0
) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal; None (no output) otherwise.

    Args:
        stream: where to draw it (stderr): only a terminal gets a bar, never a file or a pipe.
        unit: what is counted ("cases", "answers re-graded").
        delay: seconds of work before the bar appears, so quick runs print nothing.
    """
    if not stream.isatty():
        return None
    start = time.monotonic()
    last = [float("-inf")]
    drawn = [False]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if not drawn[0] and now - start < delay:
            return
        if not finished and now - last[0] < REDRAW_EVERY:
            return
        last[0] = now
        filled = BAR_WIDTH * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} {unit}")
        drawn[0] = True
        if finished:
            stream.write("\n")
        stream.flush()

    return show


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that it is either the old one or the whole new one, never half of it.

    The text goes to a temporary file in the same directory, is flushed to disk, and is then
    renamed over ``path`` (``os.replace``, atomic on POSIX and Windows). A crash or Ctrl-C
    midway leaves the old file as it was and no temporary file behind. A new file gets the
    usual permissions (0666 less the umask), a replaced one keeps its own.

    Raises:
        UsageError: the file cannot be written (the message names it and says why).
    """
    folder = path.parent
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    _sync_directory(folder)


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
