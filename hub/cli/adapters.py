"""`complaint-hub adapters ...`: what platform adapters this installation serves."""

from __future__ import annotations

import argparse

from hub.cli.output import print_rows
from hub.settings import Settings

_COLUMNS = (
    "code",
    "name",
    "version",
    "directions",
    "modes",
    "money_unit",
    "time_zone",
    "source",
)


def _adapters_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.platforms.registry import installed_adapters

    rows = [entry.describe() for entry in installed_adapters().values()]
    print_rows(rows, args.json, _COLUMNS)
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    adapters = commands.add_parser("adapters", help="platform adapters")
    group = adapters.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = "list installed adapters: entry points, then the built-in ones"
    listing = group.add_parser("list", help=help_text, description=help_text)
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=_adapters_list)
