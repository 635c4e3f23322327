"""Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines in a
log (where carriage returns would pile up into one unreadable line)."""

from __future__ import annotations

import time
from typing import TextIO

_BAR_WIDTH = 30
_LINE_EVERY_S = 5.0  # plain lines: often enough to see it move, rarely enough to read the log


class ProgressReporter:
    def __init__(self, stream: TextIO, label: str, *, tty: bool | None = None) -> None:
        self._stream = stream
        self._label = label
        self._tty = stream.isatty() if tty is None else tty
        self._last_line_s = float("-inf")
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        finished = done >= total
        if self._tty:
            filled = _BAR_WIDTH if total == 0 else _BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            percent = 100 if total == 0 else 100 * done // total
            self._stream.write(f"\r{self._label} [{bar}] {done}/{total} {percent:3d}%")
            self._drawn = True
            if finished:
                self._stream.write("\n")
                self._drawn = False
        else:
            now_s = time.monotonic()
            if finished or now_s - self._last_line_s >= _LINE_EVERY_S:
                self._stream.write(f"{self._label}: {done}/{total}\n")
                self._last_line_s = now_s
        self._stream.flush()

    def close(self) -> None:
        """End a bar left half-drawn (an interrupted run), so the shell prompt starts clean."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
