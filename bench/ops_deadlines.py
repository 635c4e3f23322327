"""What the ops page's deadline counting costs at a number of open complaints.

    python bench/ops_deadlines.py [COMPLAINTS] [--database-url URL]

A scratch database gets COMPLAINTS complaints (default 200,000; every fifth closed) built in SQL,
each with two deadlines, some breached. Then the page's two deadline reads (OpsStore.deadline_counts
and open_cases_by_platform) run five times, and, as the same-run baseline, the page's other
reads (participants, activity, endpoints, sync health, feed head). Best and median, milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench._pg import bench_database
from hub.store.ops import OpsStore

_BUILD = """
INSERT INTO complaints (complaint_id, version, status, snapshot, created_at, updated_at,
                        last_position)
SELECT 'bench:' || i, 3, CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'routed' END,
  jsonb_build_object('public', jsonb_build_object(
    'respondent', jsonb_build_object(
        'platform', (ARRAY['taobao', 'jd', 'pinduoduo', 'douyin', 'kuaishou'])[1 + i % 5]),
    'handling_bureau', 'bureau.' || (i % 50),
    'deadlines', jsonb_build_array(
       jsonb_build_object('name', 'acceptance_decision', 'due_on', '2026-11-20',
                          'provisional', false, 'breached', i % 7 = 0),
       jsonb_build_object('name', 'odr_negotiation', 'due_on', '2026-11-25',
                          'provisional', false, 'breached', i % 11 = 0)))),
  now(), now(), i
FROM generate_series(1, $1::bigint) AS i
"""


async def _timed(work: Callable[[], Awaitable[object]], runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("complaints", type=int, nargs="?", default=200_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    async with bench_database(args.database_url) as url:
        conn = await asyncpg.connect(url)
        await conn.execute(_BUILD, args.complaints)
        await conn.execute("ANALYZE complaints")
        await conn.close()
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        store = OpsStore(pool)

        async def deadlines() -> None:
            await store.deadline_counts()
            await store.open_cases_by_platform()

        async def others() -> None:
            await store.participants()
            await store.activity()
            await store.endpoints()
            await store.sync_health()
            await store.head_position()

        counted = await _timed(deadlines)
        baseline = await _timed(others)
        await pool.close()
    print(
        f"complaints={args.complaints} deadline counts: best {min(counted):.0f} ms,"
        f" median {statistics.median(counted):.0f} ms; baseline (the page's other reads):"
        f" best {min(baseline):.1f} ms, median {statistics.median(baseline):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
