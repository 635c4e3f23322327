"""Sub-commands for participants, keys and the hub key: human tables, or --json for scripts."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.settings import Settings

Work = Callable[[Any], Awaitable[Any]]


def _print(rows: Sequence[dict[str, Any]], as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def _run(settings: Settings, work: Work) -> Any:
    from hub.cli import _with_database

    async def migrated(pool: Any) -> Any:
        from hub.store.migrate import migrate

        async with pool.acquire() as conn:
            await migrate(conn)
        return await work(pool)

    return asyncio.run(_with_database(settings, migrated))


def _fail(message: str) -> int:
    print(f"complaint-hub: {message}", file=sys.stderr)
    return 1


# participants -------------------------------------------------------------------------------


def _participants_add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.problems import Problem
    from hub.store.participants import Participant, ParticipantStore

    participant = Participant(
        args.id, args.name, args.role, args.platform, tuple(args.region), args.uscc, True
    )

    async def work(pool: Any) -> Participant:
        return await ParticipantStore(pool).add(participant)

    try:
        added = _run(settings, work)
    except Problem as err:
        return _fail(err.detail)
    _print([dataclasses.asdict(added)], args.json, _PARTICIPANT_COLUMNS)
    return 0


def _participants_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> list[Any]:
        return await ParticipantStore(pool).list()

    _print([dataclasses.asdict(p) for p in _run(settings, work)], args.json, _PARTICIPANT_COLUMNS)
    return 0


def _participants_disable(args: argparse.Namespace, settings: Settings) -> int:
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> Any:
        return await ParticipantStore(pool).disable(args.id)

    try:
        disabled = _run(settings, work)
    except Problem as err:
        return _fail(err.detail)
    _print([dataclasses.asdict(disabled)], args.json, _PARTICIPANT_COLUMNS)
    return 0


_PARTICIPANT_COLUMNS = ("participant_id", "role", "name", "platform", "regions", "enabled")

# keys ---------------------------------------------------------------------------------------


def _keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.crypto.keys import KeyFileExists, write_key_pair

    Path(args.out).mkdir(parents=True, exist_ok=True)
    try:
        pem, jwk = write_key_pair(args.out, args.kid)
    except (KeyFileExists, ValueError) as err:
        return _fail(str(err))
    rows = [{"kid": args.kid, "private_key": str(pem), "public_jwk": str(jwk)}]
    _print(rows, args.json, ("kid", "private_key", "public_jwk"))
    return 0


def _keys_add(args: argparse.Namespace, settings: Settings) -> int:
    from hub.crypto.keys import KeyFormatError, load_public_key, public_key_raw
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    try:
        public_key = load_public_key(Path(args.public_key).read_bytes())
    except (OSError, KeyFormatError, ValueError) as err:
        return _fail(f"cannot read public key {args.public_key}: {err}")
    not_after = datetime.fromisoformat(args.not_after) if args.not_after else None
    if not_after is not None and not_after.tzinfo is None:
        return _fail("--not-after needs an offset, e.g. 2027-12-31T23:59:59+08:00")

    async def work(pool: Any) -> Any:
        return await ParticipantStore(pool).add_key(
            args.participant, args.kid, public_key_raw(public_key), not_after=not_after
        )

    try:
        key = _run(settings, work)
    except Problem as err:
        return _fail(err.detail)
    _print([_key_row(key)], args.json, _KEY_COLUMNS)
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from hub.problems import Problem
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> Any:
        return await ParticipantStore(pool).revoke_key(args.kid, args.reason)

    try:
        key = _run(settings, work)
    except Problem as err:
        return _fail(err.detail)
    _print([_key_row(key)], args.json, _KEY_COLUMNS)
    return 0


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.participants import ParticipantStore

    async def work(pool: Any) -> list[Any]:
        return await ParticipantStore(pool).list_keys(args.participant)

    _print([_key_row(k) for k in _run(settings, work)], args.json, _KEY_COLUMNS)
    return 0


def _key_row(key: Any) -> dict[str, Any]:
    row = dataclasses.asdict(key)
    row.pop("public_key")
    return row


_KEY_COLUMNS = ("kid", "participant_id", "not_before", "not_after", "revoked_at", "revoked_reason")

# hub key ------------------------------------------------------------------------------------


def _hub_key_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.signer import key_file_path, rotate
    from hub.store.hub_keys import HubKeyStore

    path = key_file_path(settings.hub_key_file, settings.data_dir)

    async def work(pool: Any) -> tuple[str, datetime]:
        return await rotate(HubKeyStore(pool), path)

    kid, not_before = _run(settings, work)
    _print(
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
        for k in _run(settings, work)
    ]
    _print(rows, args.json, ("kid", "not_before", "retired_at"))
    return 0


# send ---------------------------------------------------------------------------------------


def _send(args: argparse.Namespace, settings: Settings) -> int:
    from hub.client import HubClient, HubError
    from hub.crypto.keys import KeyFormatError, load_private_key_file

    try:
        event = json.loads(Path(args.file).read_text(encoding="utf-8"))
        private_key = load_private_key_file(args.key)
    except (OSError, ValueError, KeyFormatError) as err:
        return _fail(str(err))

    async def post() -> dict[str, Any]:
        async with HubClient(args.url, args.kid, private_key) as hub:
            return await hub.post_event(event)

    try:
        accepted = asyncio.run(post())
    except HubError as err:
        print(json.dumps(err.problem, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    except OSError as err:
        return _fail(f"cannot reach {args.url}: {err}")
    print(json.dumps(accepted, indent=2, ensure_ascii=False))
    return 0


# deadline sweep -----------------------------------------------------------------------------


def _sweep(args: argparse.Namespace, settings: Settings) -> int:
    from hub.ops.logs import configure_logging
    from hub.sweeper.once import sweep_once
    from hub.sweeper.sweep import SweepReport

    # Logs and progress go to stderr; stdout carries only the result (for --json scripts).
    configure_logging(settings.log_format, settings.log_level)

    def progress(report: SweepReport) -> None:
        print(
            f"swept {report.cases_seen} cases, {report.breaches_recorded} breaches recorded",
            file=sys.stderr,
            flush=True,
        )

    async def work(pool: Any) -> SweepReport:
        return await sweep_once(pool, settings, progress)

    report = _run(settings, work)
    _print([dataclasses.asdict(report)], args.json, _SWEEP_COLUMNS)
    return 0


_SWEEP_COLUMNS = ("breaches_recorded", "deadlines_recomputed", "cases_seen", "raced")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def command(group: Any, name: str, handler: Callable[..., int], help_text: str) -> Any:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        sub.set_defaults(handler=handler)
        return sub

    participants = commands.add_parser("participants", help="manage participants")
    group = participants.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = command(group, "add", _participants_add, "register a participant")
    add.add_argument("id", help="participant id, e.g. hz-amr or jd")
    add.add_argument(
        "--role", required=True, choices=("bureau", "platform", "association", "court", "operator")
    )
    add.add_argument("--name", required=True)
    add.add_argument("--platform", help="platform code (platforms only), e.g. taobao")
    add.add_argument(
        "--region",
        action="append",
        default=[],
        help="GB/T 2260 region code (authorities; repeat for several)",
    )
    add.add_argument("--uscc", help="unified social credit code")
    command(group, "list", _participants_list, "list participants")
    disable = command(
        group,
        "disable",
        _participants_disable,
        "disable a participant: its requests are refused at once",
    )
    disable.add_argument("id")

    keys = commands.add_parser("keys", help="manage participants' signing keys")
    group = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    generate = command(
        group,
        "generate",
        _keys_generate,
        "write a new Ed25519 key pair: KID.pem (0600) and KID.jwk.json",
    )
    generate.add_argument("--kid", required=True)
    generate.add_argument("--out", required=True, help="directory to write into")
    add_key = command(group, "add", _keys_add, "register a participant's public key")
    add_key.add_argument("--participant", required=True)
    add_key.add_argument("--kid", required=True)
    add_key.add_argument("--public-key", required=True, help="PEM or JWK file")
    add_key.add_argument("--not-after", help="RFC 3339 time after which the key is refused")
    revoke = command(group, "revoke", _keys_revoke, "revoke a key: refused from now on")
    revoke.add_argument("kid")
    revoke.add_argument("--reason", required=True)
    list_keys = command(group, "list", _keys_list, "list keys")
    list_keys.add_argument("--participant")

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

    hub_key = commands.add_parser("hub-key", help="the hub's own signing keys")
    group = hub_key.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(
        group,
        "rotate",
        _hub_key_rotate,
        "add a new hub key: published now, signing once the JWKS cache lifetime has passed",
    )
    command(group, "list", _hub_key_list, "list the hub's published keys")

    sweep = commands.add_parser(
        "sweep",
        help="record missed deadlines as deadline.breached events",
        description="record missed deadlines as deadline.breached events",
    )
    sweep.add_argument("--once", action="store_true", required=True, help="run one sweep and exit")
    sweep.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sweep.set_defaults(handler=_sweep)

    from hub.cli_personal import register_personal

    register_personal(commands)

    from hub.cli_adapters import register_adapters

    register_adapters(commands)

    from hub.cli_sync import register_sync

    register_sync(commands)
