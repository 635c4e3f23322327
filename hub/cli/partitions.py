"""`complaint-hub retention partitions` and `retention detach --before YYYY-MM [--dry-run]`.

`events` is partitioned by month (migration 0020). Once every complaint of a month is past the
retention period and erased, the month can leave the live table: it is detached into the `archive`
schema, read-only, where `complaint-hub audit verify --archived` can still re-check it
(docs/retention.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from hub.cli.output import fail, print_rows, run_with_database
from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg

# DDL on `events` waits a little for its lock, then gives way to appends and tries again.
_LOCK_ATTEMPTS = 5
_LOCK_PAUSE_S = 1.0


def _month(text: str) -> date:
    try:
        parsed = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError("must be a month, YYYY-MM") from None
    return date(parsed.year, parsed.month, 1)


def _partitions(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.progress import ProgressReporter
    from hub.retention.policy import retention_cutoff
    from hub.store import partitions as store

    cutoff = retention_cutoff(datetime.now(UTC), settings.retention_years)

    async def work(pool: asyncpg.Pool) -> list[dict[str, Any]]:
        reporter = ProgressReporter(sys.stderr, "checking months")
        rows: list[dict[str, Any]] = []
        async with pool.acquire() as conn:
            for gone in await store.detached(conn):
                rows.append(
                    {
                        "month": f"{gone.month:%Y-%m}",
                        "table": f"archive.{gone.table}",
                        "rows": gone.rows,
                        "positions": _span(gone.first_position, gone.last_position),
                        "state": "detached",
                        "detachable": None,
                        "why_not": None,
                    }
                )
            months = await store.attached_months(conn)
            try:
                for done, size in enumerate(await store.month_sizes(conn, months), start=1):
                    until = store.add_months(size.month, 1)
                    check = await store.check_month(conn, size.month, cutoff, until)
                    refusals = check.refusals(cutoff, until)
                    rows.append(
                        {
                            "month": f"{size.month:%Y-%m}",
                            "table": size.table,
                            "rows": size.rows,
                            "positions": _span(size.first_position, size.last_position),
                            "state": "attached",
                            "detachable": not refusals,
                            "why_not": "; ".join(refusals) or None,
                        }
                    )
                    reporter(done, len(months))
            finally:
                reporter.close()
            in_default = await store.default_rows(conn)
        rows.append(
            {
                "month": "default",
                "table": store.DEFAULT_PARTITION,
                "rows": in_default,
                "positions": None,
                "state": "attached",
                "detachable": False,
                "why_not": "events of months that had no partition; empty in a healthy hub"
                if in_default
                else None,
            }
        )
        return rows

    rows = run_with_database(settings, work)
    print_rows(rows, args.json, ("month", "table", "rows", "positions", "state", "detachable"))
    if not args.json:
        for row in rows:
            if row["why_not"] and row["state"] == "attached":
                print(f"{row['month']}: {row['why_not']}", file=sys.stderr)
    return 0


def _span(first: int | None, last: int | None) -> str | None:
    return None if first is None else f"{first}..{last}"


def _detach(args: argparse.Namespace, settings: Settings) -> int:
    from hub.cli.progress import ProgressReporter
    from hub.retention.policy import retention_cutoff
    from hub.store import partitions as store

    until: date = args.before
    now = datetime.now(UTC)
    cutoff = retention_cutoff(now, settings.retention_years)

    async def work(pool: asyncpg.Pool) -> tuple[list[dict[str, Any]], list[str]]:
        import asyncpg

        async with pool.acquire() as conn:
            months = [m for m in await store.attached_months(conn) if m < until]
            in_default = await store.default_rows_before(conn, until)
            if in_default:
                return [], [
                    f"{in_default} event(s) accepted before {until:%Y-%m} are in the default"
                    " partition (their month had no partition): they cannot be detached"
                ]
            checked_head = await store.head(conn)
            refused: list[str] = []
            reporter = ProgressReporter(sys.stderr, "checking months")
            try:
                for done, month in enumerate(months, start=1):
                    check = await store.check_month(conn, month, cutoff, until)
                    refused.extend(f"{month:%Y-%m}: {r}" for r in check.refusals(cutoff, until))
                    reporter(done, len(months))
            finally:
                reporter.close()
            if refused:
                return [], refused
            sizes = await store.month_sizes(conn, months)
            rows = [
                {
                    "month": f"{s.month:%Y-%m}",
                    "table": f"archive.{s.table}",
                    "rows": s.rows,
                    "positions": _span(s.first_position, s.last_position),
                }
                for s in sizes
            ]
            if args.dry_run:
                return rows, []
            reporter = ProgressReporter(sys.stderr, "detaching months")
            try:
                for done, size in enumerate(sizes, start=1):
                    for attempt in range(1, _LOCK_ATTEMPTS + 1):
                        try:
                            await store.detach_month(
                                conn, size, until, checked_head=checked_head, now=now
                            )
                            break
                        except asyncpg.LockNotAvailableError:
                            if attempt == _LOCK_ATTEMPTS:
                                return rows[: done - 1], [
                                    f"{size.month:%Y-%m}: events stayed busy; run again"
                                ]
                            await asyncio.sleep(_LOCK_PAUSE_S)
                        except store.MonthChanged as err:
                            return rows[: done - 1], [str(err)]
                    reporter(done, len(sizes))
            finally:
                reporter.close()
            return rows, []

    rows, refused = run_with_database(settings, work)
    if rows:
        print_rows(rows, args.json, ("month", "table", "rows", "positions"))
    if refused:
        for line in refused:
            print(line, file=sys.stderr)
        done = f"{len(rows)} month(s) detached before stopping; " if rows else ""
        return fail(f"{done}nothing before {until:%Y-%m} can be detached until these are resolved")
    if args.dry_run:
        print(
            f"dry run: {len(rows)} month(s) before {until:%Y-%m} would be detached;"
            " nothing was changed",
            file=sys.stderr,
        )
    elif not rows:
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
