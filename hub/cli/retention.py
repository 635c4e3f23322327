"""`complaint-hub retention run [--dry-run]`: erase the personal parts whose period has passed.

The period is COMPLAINT_HUB_RETENTION_YEARS (three by default) from the complaint's last change.
Erasure destroys each part's data key and salt; events, signatures, receipts and the audit log stay
verifiable (docs/retention.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub.cli.output import print_rows, run_with_database
from hub.cli.partitions import register_partitions
from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg


def _retention_run(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.progress import ProgressReporter
    from hub.clock import system_clock
    from hub.logs import configure_logging
    from hub.retention.policy import expires_at, retention_cutoff
    from hub.retention.run import expired_parts, run_retention
    from hub.store.retention import Erasure, RetentionStore

    # Logs go to stderr, so stdout holds only the listing or the summary.
    configure_logging(settings.log_format, settings.log_level)
    now = system_clock()
    years = settings.retention_years

    def row(complaint_id: str, last_changed_at: datetime, **extra: Any) -> dict[str, Any]:
        # Ids and dates only: nothing of the personal part itself.
        return {
            "complaint_id": complaint_id,
            "last_changed_at": last_changed_at.isoformat(),
            "expired_at": expires_at(last_changed_at, years).isoformat(),
            **extra,
        }

    async def dry_run(pool: asyncpg.Pool) -> int:
        count = 0
        async for part in expired_parts(RetentionStore(pool), now, years, batch=args.batch_size):
            _emit(row(part.complaint_id, part.last_changed_at), args.json)
            count += 1
        return count

    async def run(pool: asyncpg.Pool) -> int:
        reporter = ProgressReporter(sys.stderr, "erasing personal parts")

        def listed(erasures: list[Erasure]) -> None:
            if args.verbose:
                for erasure in erasures:
                    line = row(
                        erasure.complaint_id,
                        erasure.last_changed_at,
                        erased_at=erasure.erased_at.isoformat(),
                    )
                    _emit(line, args.json)

        try:
            summary = await run_retention(
                RetentionStore(pool),
                now,
                years,
                batch=args.batch_size,
                progress=reporter,
                on_erased=listed,
            )
        finally:
            reporter.close()
        summary_row = {
            "run_id": str(summary.run_id),
            "retention_years": years,
            "cutoff": summary.cutoff.isoformat(),
            "expired": summary.expired,
            "erased": summary.erased,
        }
        if args.json and not args.verbose:
            print(json.dumps(summary_row))
        elif not args.json:
            print_rows([summary_row], False, tuple(summary_row))
        return summary.erased

    if args.dry_run:
        count = run_with_database(settings, dry_run)
        cutoff = retention_cutoff(now, years).isoformat()
        print(
            f"dry run: {count} personal part(s) last changed before {cutoff} would be erased;"
            " nothing was changed",
            file=sys.stderr,
        )
        return 0
    run_with_database(settings, run)
    return 0


def _emit(row: dict[str, Any], as_json: bool) -> None:
    # One line per part, printed as found: a list of millions never waits in memory.
    if as_json:
        print(json.dumps(row), flush=False)
    else:
        print("  ".join(str(v) for v in row.values()))


def _batch_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be 1..10000")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = commands.add_parser(
        "retention",
        help="erase personal parts once the retention period has passed; detach old months",
    )
    group = retention.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = (
        "erase the personal part of every complaint unchanged for COMPLAINT_HUB_RETENTION_YEARS"
        " (default 3) by destroying its data key and salt; events, receipts and the audit log"
        " stay verifiable. Safe to interrupt and to run again."
    )
    run = group.add_parser("run", help=help_text, description=help_text)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be erased (complaint ids and dates only) and change nothing",
    )
    run.add_argument(
        "--verbose", action="store_true", help="list each erasure (complaint id and dates)"
    )
    run.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    run.add_argument(
        "--batch-size",
        type=_batch_size,
        default=500,
        help="parts erased per transaction (default 500)",
    )
    run.set_defaults(handler=_retention_run)
    register_partitions(group)
