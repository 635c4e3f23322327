"""`complaint-hub feed follow`: the feed from the shell, each receipt's hub signature verified.

It long-polls `GET /v1/feed` through the SDK, which checks every item's receipt against the hub's
JWKS and against the event it came with, and the audit log's consistency as it goes; an item
that does not verify stops the command rather than being printed.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hub.cli.output import add_signing_options, run_signed
from hub.settings import Settings


def _follow(args: argparse.Namespace, settings: Settings) -> int:
    from hub.sdk.cursor import FileCursorStore

    cursor_store = FileCursorStore(args.cursor_file) if args.cursor_file else None
    start = args.start if args.start is not None or cursor_store else 0
    types = args.types.split(",") if args.types else None

    async def work(hub: Any) -> int:
        seen = 0
        if args.count == 0:
            return seen
        async for item in hub.follow_feed(
            start, types=types, wait=args.wait, cursor_store=cursor_store
        ):
            print(_line(item, args.json), flush=True)
            seen += 1
            if args.count is not None and seen >= args.count:
                # Printed is finished with: keep it, or the next run would print it again.
                if cursor_store is not None:
                    cursor_store.save(item["position"])
                break
        return seen

    try:
        return run_signed(args, work, lambda seen: None)
    except KeyboardInterrupt:
        return 130


def _line(item: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    event = item["event"]
    return "  ".join(
        (str(item["position"]), event["type"], event["complaint_id"], event.get("actor", "-"))
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feed = commands.add_parser("feed", help="follow the feed of what you may see")
    group = feed.add_subparsers(dest="action", required=True, metavar="ACTION")
    follow = group.add_parser(
        "follow",
        help="print each feed item as it arrives, receipts verified",
        description="print each feed item as it arrives (position, type, complaint, actor;"
        " JSON lines with --json), each receipt verified against the hub's keys",
    )
    follow.add_argument(
        "--from", dest="start", type=int, help="start after this position (default 0)"
    )
    follow.add_argument(
        "--cursor-file", help="keep the position here and resume from it (at least once)"
    )
    follow.add_argument("--types", help="only these event types, comma-separated")
    follow.add_argument("--count", type=int, help="stop after this many items")
    follow.add_argument("--wait", type=int, default=30, help="long-poll seconds (default 30)")
    follow.add_argument("--json", action="store_true", help="print each item as one JSON line")
    add_signing_options(follow)
    follow.set_defaults(handler=_follow)
