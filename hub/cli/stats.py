"""`complaint-hub stats export`: the published statistics for the shell, as an operator reads
them (suppression included), year by year with progress on stderr."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

import orjson

from hub.cli.output import fail, run_with_database
from hub.settings import Settings


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date, YYYY-MM-DD") from None


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from hub.domain.stats_query import StatsQueryError, parse_query
    from hub.stats.render import csv_columns, csv_text
    from hub.stats.report_page import PUBLISHER
    from hub.stats.service import StatsService
    from hub.stats.worker import StatsWorker
    from hub.store.feed import head_position
    from hub.store.stats import StatsStore

    first: dt.date = args.from_
    last: dt.date = args.to
    if last < first:
        return fail("--to is before --from")

    async def work(pool: Any) -> int:
        store = StatsStore(pool)
        if not args.no_catch_up:
            worker = StatsWorker(store, village_stations=settings.stats_village_stations)
            head = await head_position(pool)
            while (done := await worker.step()).events:
                print(f"rollup: {done.position}/{head} events", file=sys.stderr, flush=True)
        service = StatsService(store, threshold=settings.stats_suppression_threshold)
        out = sys.stdout
        written = 0
        header = True
        year = first.year
        while year <= last.year:
            chunk_first = max(first, dt.date(year, 1, 1))
            chunk_last = min(last, dt.date(year, 12, 31))
            params = {
                "kind": args.kind,
                "group_by": args.group_by,
                "from": chunk_first.isoformat(),
                "to": chunk_last.isoformat(),
            }
            if args.region:
                params["region"] = args.region
            try:
                query = parse_query(params, PUBLISHER, chunk_first)
            except StatsQueryError as err:
                print(f"complaint-hub: {err.parameter}: {err.detail}", file=sys.stderr)
                return 2
            result = await service.query(query, PUBLISHER)
            # a week crossing new year belongs to both chunks' ranges: print it once
            cells = [c for c in result.cells if c["period_start"] >= chunk_first.isoformat()
                     or year == first.year]  # fmt: skip
            if args.format == "csv":
                out.write(csv_text(csv_columns(result), cells, header=header))
            else:
                for cell in cells:
                    out.write(orjson.dumps(cell).decode() + "\n")
            header = False
            written += len(cells)
            print(f"exported {year}: {len(cells)} cells", file=sys.stderr, flush=True)
            year += 1
        out.flush()
        print(f"exported {written} cells", file=sys.stderr, flush=True)
        return 0

    return run_with_database(settings, work)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = commands.add_parser(
        "stats",
        help="published statistics",
        description="published statistics, as GET /v1/stats gives them to an operator",
    )
    actions = stats.add_subparsers(dest="stats_command", required=True)
    export = actions.add_parser(
        "export",
        help="export statistics cells (CSV or JSON lines) to stdout",
        description="fold the feed into the rollup, then print every cell of the period; "
        "progress on stderr",
    )
    export.add_argument("--from", dest="from_", type=_date, required=True, help="YYYY-MM-DD")
    export.add_argument("--to", type=_date, required=True, help="YYYY-MM-DD")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument(
        "--group-by", default="month,district,platform", help="as GET /v1/stats group_by"
    )
    export.add_argument("--kind", choices=("complaint", "report"), default="complaint")
    export.add_argument("--region", help="only cells inside this GB/T 2260 region")
    export.add_argument(
        "--no-catch-up", action="store_true", help="read the rollup as it is, without folding"
    )
    export.set_defaults(handler=_export)
