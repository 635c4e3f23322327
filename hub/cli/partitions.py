"""`complaint-hub retention partitions` and `retention detach --before YYYY-MM [--dry-run]`:
arguments and printing; the use case is hub.retention.detach."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hub.cli.output import fail, print_rows, run_with_database
from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg

    from hub.retention.detach import MonthStatus

_LISTED = ("month", "table", "rows", "positions", "state", "detachable")


def _month(text: str) -> date:
    try:
        parsed = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError("must be a month, YYYY-MM") from None
    return date(parsed.year, parsed.month, 1)


def _row(status: MonthStatus, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A month as printed: every field, or only `columns`."""
    row = dataclasses.asdict(status)
    return row if columns is None else {column: row[column] for column in columns}


def _partitions(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.progress import ProgressReporter
    from hub.clock import system_clock
    from hub.retention.detach import list_months

    async def work(pool: asyncpg.Pool) -> list[MonthStatus]:
        reporter = ProgressReporter(sys.stderr, "checking months")
        try:
            async with pool.acquire() as conn:
                return await list_months(conn, system_clock, settings.retention_years, reporter)
        finally:
            reporter.close()

    months = run_with_database(settings, work)
    print_rows([_row(m) for m in months], args.json, _LISTED)
    if not args.json:
        for month in months:
            if month.why_not and month.state == "attached":
                print(f"{month.month}: {month.why_not}", file=sys.stderr)
    return 0


def _detach(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.progress import ProgressReporter
    from hub.clock import system_clock
    from hub.retention.detach import DetachOutcome, detach_before

    until: date = args.before

    async def work(pool: asyncpg.Pool) -> DetachOutcome:
        checking = ProgressReporter(sys.stderr, "checking months")
        detaching = ProgressReporter(sys.stderr, "detaching months")
        try:
            async with pool.acquire() as conn:
                return await detach_before(
                    conn,
                    until,
                    system_clock,
                    settings.retention_years,
                    dry_run=args.dry_run,
                    checking=checking,
                    detaching=detaching,
                )
        finally:
            checking.close()
            detaching.close()

    outcome = run_with_database(settings, work)
    columns = ("month", "table", "rows", "positions")
    if outcome.months:
        print_rows([_row(m, columns) for m in outcome.months], args.json, columns)
    if outcome.refused:
        for line in outcome.refused:
            print(line, file=sys.stderr)
        done = (
            f"{len(outcome.months)} month(s) detached before stopping; " if outcome.months else ""
        )
        return fail(f"{done}nothing before {until:%Y-%m} can be detached until these are resolved")
    if args.dry_run:
        print(
            f"dry run: {len(outcome.months)} month(s) before {until:%Y-%m} would be detached;"
            " nothing was changed",
            file=sys.stderr,
        )
    elif not outcome.months:
        print(f"no attached month before {until:%Y-%m}", file=sys.stderr)
    return 0


def register_partitions(group: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = group.add_parser(
        "partitions",
        help="list the months of the event store with their rows and whether they can be detached",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=_partitions)
    help_text = (
        "detach every month before --before into the archive schema (read-only), once all of"
        " their complaints are past the retention period and erased; their positions are no"
        " longer served by the feed"
    )
    detach = group.add_parser("detach", help=help_text, description=help_text)
    detach.add_argument("--before", type=_month, required=True, metavar="YYYY-MM")
    detach.add_argument(
        "--dry-run", action="store_true", help="check and list what would go; change nothing"
    )
    detach.add_argument("--json", action="store_true", help="print JSON instead of a table")
    detach.set_defaults(handler=_detach)
