"""`complaint-hub hub-key ...`: the hub's own signing keys."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hub.cli.output import add_command, print_rows, run_with_database
from hub.settings import Settings


def _hub_key_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.hub_keys import HubKeyStore
    from hub.trust.signer import key_file_path, rotate

    path = key_file_path(settings.hub_key_file, settings.data_dir)

    async def work(pool: Any) -> tuple[str, datetime]:
        return await rotate(HubKeyStore(pool), path)

    kid, not_before = run_with_database(settings, work)
    print_rows(
        [{"kid": kid, "signs_from": not_before, "key_file": str(path)}],
        args.json,
        ("kid", "signs_from", "key_file"),
    )
    return 0


def _hub_key_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.hub_keys import HubKeyStore

    async def work(pool: Any) -> list[Any]:
        return await HubKeyStore(pool).all()

    rows = [
        {"kid": k.kid, "not_before": k.not_before, "retired_at": k.retired_at}
        for k in run_with_database(settings, work)
    ]
    print_rows(rows, args.json, ("kid", "not_before", "retired_at"))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hub_key = commands.add_parser("hub-key", help="the hub's own signing keys")
    group = hub_key.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_command(
        group,
        "rotate",
        _hub_key_rotate,
        "add a new hub key: published now, signing once the JWKS cache lifetime has passed",
    )
    add_command(group, "list", _hub_key_list, "list the hub's published keys")
