"""`complaint-hub sync status`: how each polled platform's pull is doing."""

from __future__ import annotations

import argparse
from typing import Any

from hub.cli.output import fail, print_rows, run_with_database
from hub.settings import Settings

_COLUMNS = (
    "platform",
    "configured",
    "last_success_at",
    "lag_s",
    "backlog",
    "consecutive_failures",
    "last_error",
    "rejects",
    "unmapped",
    "lease_holder",
)


def _rejects(rejects: dict[str, int]) -> str:
    return ",".join(f"{reason}={count}" for reason, count in sorted(rejects.items())) or "-"


def _unmapped(counts: list[dict[str, Any]]) -> str:
    return ",".join(f"{c['field']}:{c['code']}={c['count']}" for c in counts) or "-"


def _sync_status(args: argparse.Namespace, settings: Settings) -> int:
    from hub.platforms.sync.config import SyncConfigError, load_targets
    from hub.store.sync_state import SyncStateStore
    from hub.store.unmapped import UnmappedCodeStore

    try:
        targets = load_targets(settings.data_dir)
    except SyncConfigError as err:
        return fail(str(err))

    async def work(pool: Any) -> list[dict[str, Any]]:
        states = {s.platform: s for s in await SyncStateStore(pool).all()}
        unmapped: dict[str, list[dict[str, Any]]] = {}
        for count in await UnmappedCodeStore(pool).all():
            unmapped.setdefault(count.platform, []).append(count.as_json())
        rows = []
        for platform in sorted(set(states) | set(targets) | set(unmapped)):
            state = states.get(platform)
            row: dict[str, Any] = state.as_json() if state else {"platform": platform}
            row["configured"] = platform in targets
            # Pushed records count too: an unknown code is news whichever way it arrived.
            row["unmapped"] = unmapped.get(platform, [])
            rows.append(row)
        return rows

    rows = run_with_database(settings, work)
    if not args.json:
        rows = [
            {
                **row,
                "rejects": _rejects(row.get("rejects") or {}),
                "unmapped": _unmapped(row["unmapped"]),
            }
            for row in rows
        ]
    print_rows(rows, args.json, _COLUMNS)
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = commands.add_parser("sync", help="pull synchronisation with polled platforms")
    group = sync.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = (
        "per platform: cursor health, lag, backlog, failures, rejects by reason and unmapped codes"
    )
    status = group.add_parser("status", help=help_text, description=help_text)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(handler=_sync_status)
