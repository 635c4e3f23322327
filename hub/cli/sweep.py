"""`complaint-hub sweep --once`: record missed deadlines outside a running hub."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from hub.cli.output import print_rows, run_with_database
from hub.settings import Settings


def _sweep(args: argparse.Namespace, settings: Settings) -> int:
    from hub.logs import configure_logging
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

    report = run_with_database(settings, work)
    print_rows([dataclasses.asdict(report)], args.json, _SWEEP_COLUMNS)
    return 0


_SWEEP_COLUMNS = ("breaches_recorded", "deadlines_recomputed", "cases_seen", "raced")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="record missed deadlines as deadline.breached events",
        description="record missed deadlines as deadline.breached events",
    )
    sweep.add_argument("--once", action="store_true", required=True, help="run one sweep and exit")
    sweep.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sweep.set_defaults(handler=_sweep)
