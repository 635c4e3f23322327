"""`complaint-hub send`: sign and send one event from a file, and verify its receipt."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from hub.cli.output import (
    add_signing_options,
    fail,
    hub_url_problem,
    problem_line,
    read_json_file,
    read_private_key,
    unreachable,
)
from hub.settings import Settings


def _send(args: argparse.Namespace, settings: Settings) -> int:
    import aiohttp

    from hub.cli.redate import dated_today
    from hub.sdk.client import HubClient, HubError

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    event = read_json_file(args.file, "one event (schemas/examples/ has one of each type)")
    private_key = read_private_key(args.key)
    if args.dated_today:
        try:
            event = dated_today(event, datetime.now(UTC))
        except (KeyError, TypeError, ValueError) as err:
            return fail(f"--dated-today needs an event with an RFC 3339 occurred_at: {err}")

    async def post() -> tuple[int, dict[str, Any]]:
        async with HubClient(args.url, args.kid, private_key) as hub:
            # the status tells a new acceptance (201) from the stored receipt of a resend (200)
            response = await hub.request("POST", "/v1/events", json=event)
            if response.status >= 400:
                raise HubError(response.status, response.json() if response.body else {})
            answer: dict[str, Any] = response.json()
            answer["receipt_payload"] = await hub.verify_event_receipt(event, answer["receipt"])
            await hub.check_log()
            return response.status, answer

    try:
        status, accepted = asyncio.run(post())
    except HubError as err:
        return fail(problem_line(err.status, err.problem))
    except (OSError, aiohttp.ClientError, TimeoutError) as err:
        return fail(unreachable(args.url, err))
    print(json.dumps(accepted, indent=2, ensure_ascii=False))
    outcome = "accepted" if status == 201 else "already accepted (stored receipt)"
    # on stderr, so stdout stays the JSON a program reads
    print(
        f"{outcome}: {accepted['event_id']} at position {accepted['position']}, receipt verified",
        file=sys.stderr,
    )
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
