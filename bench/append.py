"""Appends per second: group commit against one transaction per append, in the same run.

    python bench/append.py [--writers 50] [--appends 4000] [--database-url URL]

Both modes drive the same EventStore with the same number of concurrent writers; the baseline
caps groups at one item, so every append is its own transaction and its own commit (fsync).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._pg import bench_database
from bench._report import emit
from hub.store.events import EventStore, PendingEvent
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner


def _event(complaint_id: str, version: int) -> PendingEvent:
    event_id = str(uuid.uuid4())
    body = (
        f'{{"complaint_id":"{complaint_id}","data":{{}},"event_id":"{event_id}",'
        f'"occurred_at":"2026-11-11T10:00:00+08:00","type":"case.note_added","version":{version}}}'
    ).encode()
    return PendingEvent(
        event_id,
        complaint_id,
        version,
        "case.note_added",
        "bench",
        datetime.now(UTC),
        body,
        hashlib.sha256(body).digest(),
    )


async def run_mode(dsn: str, *, label: str, max_items: int, writers: int, appends: int) -> float:
    pool = await create_pool(dsn, size=8)
    store = EventStore(
        pool,
        seal=HubSigner.ephemeral().seal,
        max_items=max_items,
        max_wait_s=0.002 if max_items > 1 else 0,
    )
    supervisor = Supervisor()
    await store.start(supervisor)
    per_writer = appends // writers

    async def writer(number: int) -> None:
        complaint_id = f"{label}-{number}-{uuid.uuid4().hex[:6]}"
        for version in range(1, per_writer + 1):
            await store.append(_event(complaint_id, version))

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    await store.close()
    await supervisor.close()
    await pool.close()
    return per_writer * writers / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--appends", type=int, default=4000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    async with bench_database(args.database_url) as dsn:
        # Warm up the server and the pool once, so neither mode pays for it.
        await run_mode(dsn, label="warm", max_items=500, writers=10, appends=200)
        grouped = await run_mode(
            dsn, label="group", max_items=500, writers=args.writers, appends=args.appends
        )
        single = await run_mode(
            dsn, label="single", max_items=1, writers=args.writers, appends=args.appends
        )
    print(f"writers={args.writers} appends={args.appends}")
    print(f"group commit:           {grouped:8.0f} appends/s")
    print(f"one transaction/append: {single:8.0f} appends/s")
    print(f"ratio:                  {grouped / single:8.1f}x")
    emit("event store appends (group commit vs one transaction each)", grouped, "/s", single)


if __name__ == "__main__":
    asyncio.run(main())
