"""Reading native codes through tables that may not know them all.

A code no table knows is real traffic (platforms add codes without notice), not bad input: the
reader keeps the record, returns None for the meaning, and remembers the code as unmapped so the
hub can count it per platform and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from adapters.base.contract import Unmapped

T = TypeVar("T")


class CodeReader:
    """Looks codes up for one record and collects the ones no table knows."""

    def __init__(self) -> None:
        self.unmapped: list[Unmapped] = []

    def read(self, table: Mapping[Any, T], value: Any, at: str) -> T | None:
        """The meaning of `value` in `table`, or None (recorded as unmapped) when it has none."""
        try:
            if value in table:
                return table[value]
        except TypeError:  # an unhashable value (a list, an object) is no code at all
            pass
        self.note(value, at)
        return None

    def note(self, value: Any, at: str) -> None:
        """Record a code at JSON pointer `at` as unmapped."""
        self.unmapped.append(Unmapped(field=at.rsplit("/", 1)[-1], pointer=at, code=str(value)))
