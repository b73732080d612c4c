"""A one-line "grading... 3s" while something slow runs, on a terminal only."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TextIO


class Indicator:
    """Shows ``label... Ns`` on the current line while the ``with`` block runs.

    Nothing is drawn for the first ``delay`` seconds (the offline grader answers in
    milliseconds and never shows it), nor at all when ``live`` is false (a pipe, a file); the
    line is wiped when the block ends, however it ends.
    """

    def __init__(
        self,
        out: TextIO,
        live: bool,
        label: str = "grading",
        delay: float = 1.0,
        interval: float = 1.0,
    ) -> None:
        self.out = out
        self.live = live
        self.label = label
        self.delay = delay
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = 0

    def __enter__(self) -> Indicator:
        if self.live:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="indicator", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._drawn:
            self.out.write("\r" + " " * self._drawn + "\r")
            self.out.flush()
            self._drawn = 0

    def _run(self) -> None:
        start = time.monotonic()
        if self._stop.wait(self.delay):
            return
        while True:
            text = f"{self.label}... {int(time.monotonic() - start)}s"
            self.out.write("\r" + text.ljust(self._drawn))
            self.out.flush()
            self._drawn = max(self._drawn, len(text))
            if self._stop.wait(self.interval):
                return
