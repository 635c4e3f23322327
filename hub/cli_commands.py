"""Sub-commands beyond serving: registered on the console script's parser."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Nothing yet beyond the core commands."""
