"""`complaint-hub send-batch`: sign and send up to 1,000 events from a file as one batch, and
verify every receipt (a batch item's inclusion path included)."""

from __future__ import annotations

import argparse
import asyncio
import json
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


def _events(document: Any) -> list[Any]:
    """The events of a file holding a JSON array of events, or a batch `{"events": [...]}`."""
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return list(document["events"])
    if isinstance(document, list):
        return document
    raise ValueError('the file holds neither a JSON array of events nor {"events": [...]}')


def _line(item: dict[str, Any]) -> str:
    if item["outcome"] == "refused":
        return f"{item['index']} refused {problem_line(item['status'], item['problem'])}"
    return f"{item['index']} {item['outcome']} {item['position']} {item['event_id']}"


def _send_batch(args: argparse.Namespace, settings: Settings) -> int:
    import aiohttp

    from hub.sdk.client import HubClient, HubError

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    try:
        events = _events(read_json_file(args.file, 'a JSON array of events or {"events": [...]}'))
    except ValueError as err:
        return fail(f"{args.file}: {err}")
    private_key = read_private_key(args.key)

    async def post() -> list[dict[str, Any]]:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await hub.send_batch(events)

    try:
        items = asyncio.run(post())
    except HubError as err:
        return fail(problem_line(err.status, err.problem))
    except (OSError, aiohttp.ClientError, TimeoutError) as err:
        return fail(unreachable(args.url, err))
    if args.json:
        print(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        for item in items:
            print(_line(item))
    refused = sum(1 for item in items if item["outcome"] == "refused")
    if refused:
        return fail(f"{refused} of {len(items)} items refused; the others were stored")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser(
        "send-batch",
        help="sign and send up to 1,000 events from a JSON file as one batch; verify receipts",
        description="sign and send up to 1,000 events from a JSON file (an array, or"
        ' {"events": [...]}) as one batch; print one line per item (index, outcome, then'
        " position and event id, or the problem), every receipt verified; exit 1 when any"
        " item was refused",
    )
    send.add_argument("file", help="the events, JSON")
    add_signing_options(send)
    send.add_argument("--json", action="store_true", help="print the items as JSON")
    send.set_defaults(handler=_send_batch)
