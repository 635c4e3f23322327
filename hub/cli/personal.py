"""`complaint-hub personal ...`: erasing a personal part, rotating the master key."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hub.cli.output import fail, print_rows, run_with_database
from hub.settings import Settings


def _personal_erase(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.personal import PersonalStore

    async def work(pool: Any) -> datetime | None:
        return await PersonalStore(pool).erase(args.complaint_id)

    erased_at = run_with_database(settings, work)
    if erased_at is None:
        return fail(f"complaint {args.complaint_id} has no personal part")
    rows = [{"complaint_id": args.complaint_id, "erased_at": erased_at}]
    print_rows(rows, args.json, ("complaint_id", "erased_at"))
    return 0


def _master_key_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.privacy.keyfile import (
        MasterKeyFileError,
        load_master_keys,
        master_key_path,
        write_master_keys,
    )

    path = master_key_path(settings.master_key_file, settings.data_dir)
    try:
        keys = load_master_keys(path, generate=settings.master_key_file is None).rotated()
    except (OSError, MasterKeyFileError) as err:
        return fail(str(err))
    write_master_keys(path, keys)
    # Replicas re-read the file within 30 s, and at once when they meet an unknown version.
    print_rows(
        [{"current": keys.current, "versions": sorted(keys.keys), "key_file": str(path)}],
        args.json,
        ("current", "versions", "key_file"),
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def command(group: Any, name: str, handler: Any, help_text: str) -> Any:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        sub.set_defaults(handler=handler)
        return sub

    personal = commands.add_parser("personal", help="consumers' personal parts")
    group = personal.add_subparsers(dest="action", required=True, metavar="ACTION")
    erase = command(
        group,
        "erase",
        _personal_erase,
        "erase a complaint's personal part: its data key, salt and ciphertexts are destroyed;"
        " events, receipts and proofs stay valid",
    )
    erase.add_argument("complaint_id", metavar="COMPLAINT_ID")
    command(
        group,
        "rotate-master-key",
        _master_key_rotate,
        "add a master key version and make it current; older versions stay for reading",
    )
