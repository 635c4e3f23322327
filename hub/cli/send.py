"""`complaint-hub send`: sign and send one event from a file, and verify its receipt."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.cli.output import add_signing_options, fail, hub_url_problem, problem_line
from hub.settings import Settings


def _send(args: argparse.Namespace, settings: Settings) -> int:
    import aiohttp

    from hub.cli.redate import dated_today
    from hub.crypto.keys import KeyFormatError, load_private_key_file
    from hub.sdk.client import HubClient, HubError

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    try:
        event = json.loads(Path(args.file).read_text(encoding="utf-8"))
        private_key = load_private_key_file(args.key)
    except (OSError, ValueError, KeyFormatError) as err:
        return fail(str(err))
    if args.dated_today:
        try:
            event = dated_today(event, datetime.now(UTC))
        except (KeyError, TypeError, ValueError) as err:
            return fail(f"--dated-today needs an event with an RFC 3339 occurred_at: {err}")

    async def post() -> dict[str, Any]:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await hub.post_event(event)

    try:
        accepted = asyncio.run(post())
    except HubError as err:
        return fail(problem_line(err.status, err.problem))
    except (OSError, aiohttp.ClientError, TimeoutError) as err:
        return fail(f"cannot reach {args.url}: {err or type(err).__name__}")
    print(json.dumps(accepted, indent=2, ensure_ascii=False))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser(
        "send",
        help="sign and send one event from a JSON file; verify the receipt",
        description="sign and send one event from a JSON file; verify the receipt",
    )
    send.add_argument("file", help="the canonical event, JSON")
    add_signing_options(send)
    send.add_argument(
        "--dated-today",
        action="store_true",
        help="shift every date in the event by whole days so it happened today"
        " (for the examples, whose clocks would otherwise have run out)",
    )
    send.set_defaults(handler=_send)
