"""`complaint-hub keys ...`: participants' signing keys."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.cli.output import add_command, fail, print_rows, run_with_database
from hub.settings import Settings


def _keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.crypto.keys import KeyFileExists, write_key_pair

    Path(args.out).mkdir(parents=True, exist_ok=True)
    try:
        pem, jwk = write_key_pair(args.out, args.kid)
    except (KeyFileExists, ValueError) as err:
        return fail(str(err))
    rows = [{"kid": args.kid, "private_key": str(pem), "public_jwk": str(jwk)}]
    print_rows(rows, args.json, ("kid", "private_key", "public_jwk"))
    return 0


def _keys_add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.crypto.keys import KeyFormatError, load_public_key, public_key_raw
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    try:
        public_key = load_public_key(Path(args.public_key).read_bytes())
    except (OSError, KeyFormatError, ValueError) as err:
        return fail(f"cannot read public key {args.public_key}: {err}")
    not_after = datetime.fromisoformat(args.not_after) if args.not_after else None
    if not_after is not None and not_after.tzinfo is None:
        return fail("--not-after needs an offset, e.g. 2027-12-31T23:59:59+08:00")

    async def work(pool: Any) -> Any:
        return await ParticipantStore(pool).add_key(
            args.participant, args.kid, public_key_raw(public_key), not_after=not_after
        )

    try:
        key = run_with_database(settings, work)
    except Problem as err:
        return fail(err.detail)
    print_rows([_key_row(key)], args.json, _KEY_COLUMNS)
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> Any:
        return await ParticipantStore(pool).revoke_key(args.kid, args.reason)

    try:
        key = run_with_database(settings, work)
    except Problem as err:
        return fail(err.detail)
    print_rows([_key_row(key)], args.json, _KEY_COLUMNS)
    return 0


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> list[Any]:
        return await ParticipantStore(pool).list_keys(args.participant)

    print_rows([_key_row(k) for k in run_with_database(settings, work)], args.json, _KEY_COLUMNS)
    return 0


def _key_row(key: Any) -> dict[str, Any]:
    row = dataclasses.asdict(key)
    row.pop("public_key")
    return row


_KEY_COLUMNS = ("kid", "participant_id", "not_before", "not_after", "revoked_at", "revoked_reason")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="manage participants' signing keys")
    group = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    generate = add_command(
        group,
        "generate",
        _keys_generate,
        "write a new Ed25519 key pair: KID.pem (0600) and KID.jwk.json",
    )
    generate.add_argument("--kid", required=True)
    generate.add_argument("--out", required=True, help="directory to write into")
    add_key = add_command(group, "add", _keys_add, "register a participant's public key")
    add_key.add_argument("--participant", required=True)
    add_key.add_argument("--kid", required=True)
    add_key.add_argument("--public-key", required=True, help="PEM or JWK file")
    add_key.add_argument("--not-after", help="RFC 3339 time after which the key is refused")
    revoke = add_command(group, "revoke", _keys_revoke, "revoke a key: refused from now on")
    revoke.add_argument("kid")
    revoke.add_argument("--reason", required=True)
    list_keys = add_command(group, "list", _keys_list, "list keys")
    list_keys.add_argument("--participant")
