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
    "lease_holder",
)


def _rejects(rejects: dict[str, int]) -> str:
    return ",".join(f"{reason}={count}" for reason, count in sorted(rejects.items())) or "-"


def _sync_status(args: argparse.Namespace, settings: Settings) -> int:
    from hub.platforms.sync.config import SyncConfigError, load_targets
    from hub.store.sync_state import SyncStateStore

    try:
        targets = load_targets(settings.data_dir)
    except SyncConfigError as err:
        return fail(str(err))

    async def work(pool: Any) -> list[dict[str, Any]]:
        states = {s.platform: s for s in await SyncStateStore(pool).all()}
        rows = []
        for platform in sorted(set(states) | set(targets)):
            state = states.get(platform)
            row: dict[str, Any] = state.as_json() if state else {"platform": platform}
            row["configured"] = platform in targets
            rows.append(row)
        return rows

    rows = run_with_database(settings, work)
    if not args.json:
        rows = [{**row, "rejects": _rejects(row.get("rejects") or {})} for row in rows]
    print_rows(rows, args.json, _COLUMNS)
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = commands.add_parser("sync", help="pull synchronisation with polled platforms")
    group = sync.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = "per platform: cursor health, lag, backlog, failures and rejects by reason"
    status = group.add_parser("status", help=help_text, description=help_text)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(handler=_sync_status)
