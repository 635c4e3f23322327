"""The statistics rollup's cost per 1,000 events, against a baseline revision in the same run.

    python bench/rollup.py [--complaints 20000] [--rounds 2] [--baseline REV] [--database-url URL]

A year of complaints (tests/stats/_year.py: filings across 15 platforms and 3 districts, with
acceptances, transfers, offers, resolutions, confirmations, breached deadlines and reports) is
appended once through the real event store and case checks. Then the rollup is emptied and
rebuilt from position 0 by `StatsWorker.catch_up`, each run in a child process of its own: this
tree's code, and the code of `--baseline` (a git revision, exported to a scratch directory),
alternately, `--rounds` times each. A run reports the CPU seconds of its process
(time.process_time), those of the PostgreSQL backend serving it (read from /proc; its pool has
one connection), their sum, and wall time, per 1,000 events; the best of the rounds is kept.
Every run must leave the same rollup, byte for byte, or the benchmark fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._report import emit  # noqa: E402

_RESET = """
TRUNCATE stats_rollup, stats_cases;
UPDATE stats_cursor SET position = 0;
"""
_DIGEST = """
SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY
    kind, grain, dim, period_start, region, platform, value), ''))
FROM stats_rollup AS r
"""


def _backend_cpu_s(pid: int) -> float | None:
    """utime + stime of a local PostgreSQL backend (None when the server is elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _child(dsn: str, batch_size: int) -> dict[str, Any]:
    """One rebuild of the rollup with whatever `hub` is first on sys.path."""
    import asyncpg

    from hub.stats.worker import StatsWorker
    from hub.store.stats import StatsStore

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute(_RESET)
            backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
        worker = StatsWorker(StatsStore(pool), batch_size=batch_size)
        backend_started = _backend_cpu_s(backend)
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        events = await worker.catch_up()
        cpu_s, wall_s = time.process_time() - cpu_started, time.perf_counter() - wall_started
        backend_ended = _backend_cpu_s(backend)
        backend_s = (
            None
            if backend_started is None or backend_ended is None
            else backend_ended - backend_started
        )
        rows, digest = await pool.fetchrow(_DIGEST) or (0, "")
    finally:
        await pool.close()
    return {
        "events": events,
        "cpu_s": cpu_s,
        "backend_cpu_s": backend_s,
        "wall_s": wall_s,
        "rows": rows,
        "digest": digest,
    }


async def _populate(dsn: str, complaints: int, reports: int) -> int:
    """Append a generated year through the real event store; returns the events appended."""
    from aiohttp import web

    from hub.app import create_app
    from hub.clock import CLOCK
    from hub.logs import configure_logging
    from hub.settings import Settings
    from hub.store.participants import Participant
    from hub.trust.resources import PARTICIPANTS
    from tests.stats._year import DISTRICTS, Clock, append_year, plan_year

    configure_logging("console", "WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="chbench-rollup", dir="/tmp"))
    settings = Settings(
        database_url=dsn,
        data_dir=data_dir,
        log_level="WARNING",
        # the hub's own deadline.breached events would race the planned versions
        sweep_interval_s=86400,
    )
    app = create_app(settings)
    app[CLOCK] = Clock()  # type: ignore[misc]  # January 2027: the generated year is past
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        # a case is transferred only to a bureau the hub knows
        for district, participant in DISTRICTS.items():
            await app[PARTICIPANTS].add(
                Participant(participant, participant, "bureau", None, (district,), None, True)
            )
        year = plan_year(seed=17, complaints=complaints, reports=reports)
        await append_year(app, year)
    finally:
        await runner.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
    return year.events


def _export(revision: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="chbench-rollup-base", dir="/tmp"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "hub"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _run_child(source: Path, dsn: str, batch_size: int) -> dict[str, Any]:
    command = [sys.executable, __file__, f"--child={source}", f"--dsn={dsn}"]
    out = subprocess.run(
        [*command, f"--batch-size={batch_size}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _per_1000(run: dict[str, Any], key: str) -> float | None:
    value = run[key]
    return None if value is None else 1000 * value / run["events"]


async def _measure(
    args: argparse.Namespace, baseline_source: Path, reports: int
) -> dict[str, list[dict[str, Any]]]:
    from bench._pg import bench_database

    async with bench_database(args.database_url) as dsn:
        started = time.perf_counter()
        events = await _populate(dsn, args.complaints, reports)
        print(f"appended {events} events in {time.perf_counter() - started:.0f} s")
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
        for _ in range(args.rounds):
            for label, source in (("baseline", baseline_source), ("current", REPO)):
                run = _run_child(source, dsn, args.batch_size)
                runs[label].append(run)
                print(
                    f"{label:8}  cpu {_per_1000(run, 'cpu_s'):7.3f} s/1000 ev"
                    f"  backend {_per_1000(run, 'backend_cpu_s') or float('nan'):7.3f}"
                    f"  wall {_per_1000(run, 'wall_s'):7.3f}  rows {run['rows']}",
                    flush=True,
                )
    return runs


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20000)
    parser.add_argument("--reports", type=int, default=None, help="default: complaints / 25")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--baseline", default="191feb5", help="git revision to compare with")
    parser.add_argument("--database-url")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # the code under test comes first on the path; this file only drives it
        sys.path.insert(0, str(args.child))
        print(json.dumps(await _child(args.dsn, args.batch_size)))
        return

    reports = args.complaints // 25 if args.reports is None else args.reports
    baseline_source = _export(args.baseline)
    try:
        runs = await _measure(args, baseline_source, reports)
    finally:
        shutil.rmtree(baseline_source, ignore_errors=True)
    events = runs["current"][0]["events"]
    for run in (run for label in runs for run in runs[label]):
        backend = run["backend_cpu_s"]
        run["total_cpu_s"] = None if backend is None else run["cpu_s"] + backend
    digests = {run["digest"] for label in runs for run in runs[label]}
    assert len(digests) == 1, f"the runs left different rollups: {digests}"
    assert all(run["events"] == events for label in runs for run in runs[label])
    print(f"events={events} batch_size={args.batch_size} baseline={args.baseline}")
    print("every run left the same rollup")
    for key, figure in (
        ("cpu_s", "hub process CPU"),
        ("backend_cpu_s", "PostgreSQL backend CPU"),
        ("total_cpu_s", "hub and PostgreSQL CPU"),
        ("wall_s", "wall time"),
    ):
        best = {
            label: min(
                (v for r in runs[label] if (v := _per_1000(r, key)) is not None), default=None
            )
            for label in runs
        }
        if best["current"] is None or best["baseline"] is None:
            continue
        print(
            f"{figure:24} {1000 * best['current']:8.1f} ms/1000 ev"
            f"   baseline {1000 * best['baseline']:8.1f}"
            f"   {best['baseline'] / best['current']:5.1f}x less"
        )
        emit(f"stats rollup: {figure} per 1000 events", best["current"], "s", best["baseline"])


if __name__ == "__main__":
    asyncio.run(main())
