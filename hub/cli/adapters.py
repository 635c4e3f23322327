"""`complaint-hub adapters ...`: what platform adapters this installation serves and reads."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hub.cli.output import fail, print_rows, run_with_database
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

_UNMAPPED_COLUMNS = ("platform", "field", "code", "count", "first_seen_at", "last_seen_at")

# An unknown platform code is a usage mistake, like an unknown option: argparse's exit status.
_EXIT_USAGE = 2


def _adapters_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.platforms.registry import installed_adapters

    rows = [entry.describe() for entry in installed_adapters().values()]
    print_rows(rows, args.json, _COLUMNS)
    return 0


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _read_json(text: str) -> Any:
    """Read a payload as JSON, integers exactly: Python's reader makes every integer an int, so
    an id above 2^53 is never rounded through a double. NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_reject_constant)


def _problem(field: str, message: str) -> int:
    """One line naming where the payload went wrong, as JSON so a script can read it."""
    line = {"field": field, "problem": message}
    print(json.dumps(line, ensure_ascii=False), file=sys.stderr)
    return 1


def _adapters_parse(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.base.errors import AdapterError
    from adapters.base.inspect import records_in
    from hub.platforms.registry import installed_adapters

    installed = installed_adapters()
    entry = installed.get(args.code)
    if entry is None:
        print(
            f"complaint-hub: no adapter for {args.code!r}; installed: {', '.join(installed)}",
            file=sys.stderr,
        )
        return _EXIT_USAGE
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        return fail(f"cannot read {args.file}: {err}")
    try:
        payload = _read_json(text)
    except ValueError as err:
        return _problem("/", f"not JSON: {err}")
    try:
        records = records_in(entry.adapter, payload)
    except AdapterError as err:
        return _problem(err.field, err.message)
    for record in records:
        print(json.dumps(record, ensure_ascii=False))
    return 0


def _adapters_unmapped(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.unmapped import UnmappedCodeStore

    async def work(pool: Any) -> list[dict[str, Any]]:
        return [count.as_json() for count in await UnmappedCodeStore(pool).all()]

    rows = run_with_database(settings, work)
    print_rows(rows, args.json, _UNMAPPED_COLUMNS)
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    adapters = commands.add_parser("adapters", help="platform adapters")
    group = adapters.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = "list installed adapters (entry points) and the distribution registering each"
    listing = group.add_parser("list", help=help_text, description=help_text)
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=_adapters_list)

    help_text = (
        "read a platform's push message, batch of messages or pull page and print one JSON line"
        " per record it holds (ids as exact strings, money in fen, times with +08:00)"
    )
    parse = group.add_parser("parse", help=help_text, description=help_text)
    parse.add_argument("code", metavar="CODE", help="the platform code, e.g. taobao")
    parse.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    parse.set_defaults(handler=_adapters_parse)

    help_text = "native codes no adapter table knows, counted per platform, field and code"
    unmapped = group.add_parser("unmapped", help=help_text, description=help_text)
    unmapped.add_argument("--json", action="store_true", help="print JSON instead of a table")
    unmapped.set_defaults(handler=_adapters_unmapped)
