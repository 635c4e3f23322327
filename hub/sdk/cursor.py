"""Durable feed cursors for the client SDK: where a follower resumes after a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol


class CursorStore(Protocol):
    """Keeps the position of the last item a follower finished with."""

    def load(self) -> int: ...

    def save(self, position: int) -> None: ...


class MemoryCursorStore:
    def __init__(self, position: int = 0) -> None:
        self.position = position

    def load(self) -> int:
        return self.position

    def save(self, position: int) -> None:
        self.position = position


class FileCursorStore:
    """One integer in a file, replaced atomically so a crash never leaves half a cursor."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> int:
        try:
            return int(self.path.read_text().strip() or 0)
        except FileNotFoundError:
            return 0

    def save(self, position: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        with open(partial, "w") as file:
            file.write(f"{position}\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.path)
