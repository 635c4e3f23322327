"""`complaint-hub witness`: run a witness of a hub's audit log (court, association, province).

    complaint-hub witness --url https://hub.example --kid court-2026 --key court.pem \\
        --state var/witness-head.json [--interval 5] [--once]

Stops with exit status 3, cosigning nothing, when the hub's log is not an extension of the
last head this witness cosigned: that is evidence the hub's history was rewritten.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from hub.cli.output import fail, hub_url_problem
from hub.settings import Settings

_INCONSISTENT_EXIT = 3


def _witness(args: argparse.Namespace, settings: Settings) -> int:
    import aiohttp

    from hub.crypto.keys import KeyFormatError, load_private_key_file
    from hub.sdk.client import HubClient, HubError
    from hub.sdk.witness import AuditLogInconsistent, Witness

    url_problem = hub_url_problem(args.url)
    if url_problem is not None:
        return fail(url_problem)
    try:
        private_key = load_private_key_file(args.key)
    except (OSError, ValueError, KeyFormatError) as err:
        return fail(str(err))

    async def run() -> int:
        async with HubClient(args.url, args.kid, private_key) as client:
            witness = Witness(client, Path(args.state))
            while True:
                try:
                    result = await witness.witness_once()
                except AuditLogInconsistent as err:
                    print(f"complaint-hub: ALARM, not cosigning: {err}", file=sys.stderr)
                    return _INCONSISTENT_EXIT
                except (HubError, aiohttp.ClientError, OSError) as err:
                    # The hub being away is no evidence of anything: try again next round.
                    print(f"complaint-hub: witness round failed: {err}", file=sys.stderr)
                    if args.once:
                        return 1
                else:
                    state = "cosigned" if result.cosigned else "unchanged"
                    print(f"{state}: tree_size={result.head.tree_size}", flush=True)
                    if args.once:
                        return 0
                await asyncio.sleep(args.interval)

    return asyncio.run(run())


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = (
        "witness a hub's audit log: cosign each signed tree head that extends the last one"
        " cosigned; stop (exit 3) if it does not"
    )
    witness = commands.add_parser("witness", help=help_text, description=help_text)
    witness.add_argument("--url", required=True, help="the hub's base URL")
    witness.add_argument("--kid", required=True, help="the witness's registered key id")
    witness.add_argument("--key", required=True, help="the witness's private key, PEM")
    witness.add_argument(
        "--state", required=True, help="file keeping the last cosigned head (JSON)"
    )
    witness.add_argument(
        "--interval", type=float, default=5.0, help="seconds between rounds (default 5)"
    )
    witness.add_argument("--once", action="store_true", help="run one round and exit")
    witness.set_defaults(handler=_witness)
