"""`complaint-hub send`: sign and send one event from a file, and verify its receipt."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from hub.cli.output import fail
from hub.settings import Settings


def _send(args: argparse.Namespace, settings: Settings) -> int:
    from hub.crypto.keys import KeyFormatError, load_private_key_file
    from hub.sdk.client import HubClient, HubError

    try:
        event = json.loads(Path(args.file).read_text(encoding="utf-8"))
        private_key = load_private_key_file(args.key)
    except (OSError, ValueError, KeyFormatError) as err:
        return fail(str(err))

    async def post() -> dict[str, Any]:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await hub.post_event(event)

    try:
        accepted = asyncio.run(post())
    except HubError as err:
        print(json.dumps(err.problem, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    except OSError as err:
        return fail(f"cannot reach {args.url}: {err}")
    print(json.dumps(accepted, indent=2, ensure_ascii=False))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser(
        "send",
        help="sign and send one event from a JSON file; verify the receipt",
        description="sign and send one event from a JSON file; verify the receipt",
    )
    send.add_argument("file", help="the canonical event, JSON")
    send.add_argument("--kid", required=True, help="your registered key id")
    send.add_argument("--key", required=True, help="your private key, PEM")
    send.add_argument("--url", required=True, help="the hub's base URL")
    send.set_defaults(handler=_send)
