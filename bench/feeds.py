"""Commit-to-delivery latency of the feed: long-poll and SSE at a steady event rate.

    python bench/feeds.py [--rate 1000] [--seconds 10] [--writers 200] [--direct]
                          [--async-commit] [--database-url URL]

The hub runs in this process (create_app on an embedded PostgreSQL), with signed writers paced by
a token bucket and two operator readers: a long-poll loop and an SSE stream. Commit time is the
receipt's `accepted_at`, taken when the event's group begins: an upper bound, since it counts
the group's own locking, inserting and fsync. With --direct the bench also reports latency from
the moment the writer saw its COMMIT acknowledged: a lower bound (the reader may even get the
item first; that counts as zero). The true commit instant lies between the two. Delivery time is
when the reader had the item. Both clocks are this machine's wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._pg import bench_database
from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.logs import configure_logging
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.events import EventStore, PendingEvent
from hub.store.participants import Participant
from hub.store.resources import EVENT_STORE
from hub.trust.resources import PARTICIPANTS

EXAMPLES = Path(__file__).resolve().parents[1] / "schemas" / "examples"


def _example(event_type: str, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{event_type}.json").read_text())
    document.update(fields, event_id=str(uuid.uuid4()))
    return document


class TokenBucket:
    """`rate` tokens a second, bursts of at most `capacity`: the writers' steady pace."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = 0.0
        self.stamp = time.perf_counter()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = time.perf_counter()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


@dataclasses.dataclass
class Delivered:
    latency_s: dict[int, float] = dataclasses.field(default_factory=dict)
    delivered_at: dict[int, float] = dataclasses.field(default_factory=dict)

    def record(self, item: dict[str, Any]) -> None:
        now = time.time()
        committed = datetime.fromisoformat(item["event"]["accepted_at"]).timestamp()
        self.latency_s[item["position"]] = now - committed
        self.delivered_at[item["position"]] = now


# position -> wall time the writer saw its COMMIT acknowledged (direct writers only)
ACKNOWLEDGED: dict[int, float] = {}


async def long_poll(reader: HubClient, into: Delivered, stop: asyncio.Event) -> None:
    cursor = 0
    while not stop.is_set():
        page = await reader.get_feed(after=cursor, limit=1000, wait=2)
        for item in page["items"]:
            into.record(item)
        cursor = page["next"]


async def sse(reader: HubClient, session: aiohttp.ClientSession, into: Delivered) -> None:
    path = "/v1/feed/stream"
    headers = reader.signed_headers("GET", path, None, {"Accept": "text/event-stream"})
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    url = URL(reader.base_url + path, encoded=True)
    async with session.get(url, headers=headers, timeout=timeout) as response:
        async for line in response.content:
            if line.startswith(b"data: "):
                into.record(orjson.loads(line[6:]))


async def writer(client: HubClient, bucket: TokenBucket, stop: asyncio.Event, counts: list[int]):
    complaint_id = f"bureau.bench:BENCH-{uuid.uuid4().hex[:12]}"
    version = 1
    while not stop.is_set():
        await bucket.take()
        if stop.is_set():
            return
        if version == 1:
            event = _example("complaint.filed", complaint_id=complaint_id)
        else:
            event = _example("case.note_added", complaint_id=complaint_id, version=version)
        await client.post_event(event, verify=False)
        counts[0] += 1
        version += 1


async def direct_writer(
    store: EventStore, bucket: TokenBucket, stop: asyncio.Event, counts: list[int]
) -> None:
    """Appends straight to the event store: the feed measured without the HTTP write path."""
    complaint_id = f"bureau.bench:BENCH-{uuid.uuid4().hex[:12]}"
    version = 1
    while not stop.is_set():
        await bucket.take()
        if stop.is_set():
            return
        appended = await store.append(_pending(complaint_id, version))
        ACKNOWLEDGED[appended.position] = time.time()
        counts[0] += 1
        version += 1


def _pending(complaint_id: str, version: int) -> PendingEvent:
    event_id = str(uuid.uuid4())
    body = orjson.dumps(
        {
            "complaint_id": complaint_id,
            "data": {},
            "event_id": event_id,
            "occurred_at": "2026-11-11T10:00:00+08:00",
            "type": "case.note_added",
            "version": version,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return PendingEvent(
        event_id,
        complaint_id,
        version,
        "case.note_added",
        "bureau.bench",
        datetime.now(UTC),
        body,
        hashlib.sha256(body).digest(),
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    configure_logging("console", "WARNING")
    async with bench_database(args.database_url) as dsn:
        if args.async_commit:
            # A throwaway database: COMMIT need not wait for the WAL flush (fsync), which on
            # slow disks caps every writer (nonce claims and groups alike) near 100 commits/s.
            conn = await asyncpg.connect(dsn)
            await conn.execute(
                f"ALTER DATABASE {await conn.fetchval('SELECT current_database()')}"
                " SET synchronous_commit = off"
            )
            await conn.close()
        data_dir = Path(tempfile.mkdtemp(prefix="chfeed", dir="/tmp"))
        settings = Settings(
            database_url=dsn, data_dir=data_dir, log_level="WARNING", pool_size=args.pool_size
        )
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        keys = {}
        for participant_id, role, regions in (
            ("bureau.bench", "bureau", ("330100",)),
            ("operator.bench", "operator", ()),
        ):
            await app[PARTICIPANTS].add(
                Participant(participant_id, participant_id, role, None, regions, None, True)
            )
            key = keys[participant_id] = generate_private_key()
            await app[PARTICIPANTS].add_key(
                participant_id, participant_id + "-k", public_key_raw(key.public_key())
            )
        connector = aiohttp.TCPConnector(limit=args.writers + 20)
        async with aiohttp.ClientSession(connector=connector) as session:

            def as_(participant_id: str) -> HubClient:
                return HubClient(base, participant_id + "-k", keys[participant_id], session=session)

            polled, streamed = Delivered(), Delivered()
            stop_writing, stop_reading = asyncio.Event(), asyncio.Event()
            poll_task = asyncio.create_task(long_poll(as_("operator.bench"), polled, stop_reading))
            sse_task = asyncio.create_task(sse(as_("operator.bench"), session, streamed))
            await asyncio.sleep(0.5)
            bucket = TokenBucket(args.rate, capacity=max(1.0, args.rate / 100))
            counts = [0]
            bureau = as_("bureau.bench")
            writers = [
                asyncio.create_task(
                    direct_writer(app[EVENT_STORE], bucket, stop_writing, counts)
                    if args.direct
                    else writer(bureau, bucket, stop_writing, counts)
                )
                for _ in range(args.writers)
            ]
            started = time.perf_counter()
            await asyncio.sleep(args.seconds)
            stop_writing.set()
            await asyncio.gather(*writers)
            elapsed_s = time.perf_counter() - started
            total = counts[0]
            deadline = time.perf_counter() + 30
            while (  # noqa: ASYNC110 - a bounded wait for two counters to catch up
                len(polled.latency_s) < total or len(streamed.latency_s) < total
            ) and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            stop_reading.set()
            sse_task.cancel()
            await asyncio.gather(poll_task, sse_task, return_exceptions=True)
        await runner.cleanup()
    achieved = total / elapsed_s
    commit = "synchronous_commit=off" if args.async_commit else "synchronous_commit=on"
    commit += ", writes straight to the event store" if args.direct else ", signed POST /v1/events"
    print(
        f"target rate:   {args.rate:.0f} events/s, {args.writers} writers, "
        f"{args.seconds:.0f} s, {commit}"
    )
    print(f"achieved rate: {achieved:.0f} events/s ({total} events in {elapsed_s:.1f} s)")
    if achieved < 0.95 * args.rate:
        print(
            f"NOTE: this machine did not sustain {args.rate:.0f} events/s "
            f"(hub, writers and readers share one process); latencies are at {achieved:.0f}/s"
        )
    for label, delivered in (("long-poll", polled), ("SSE", streamed)):
        values = list(delivered.latency_s.values())
        if not values:
            print(f"{label:9}: nothing delivered")
            continue
        print(
            f"{label:9}: delivered {len(values)}/{total}  "
            f"p50 {statistics.median(values) * 1000:7.1f} ms  "
            f"p99 {_percentile(values, 0.99) * 1000:7.1f} ms  "
            f"max {max(values) * 1000:7.1f} ms  (from group start)"
        )
        if ACKNOWLEDGED:
            acked = [
                max(0.0, at - ACKNOWLEDGED[position])
                for position, at in delivered.delivered_at.items()
                if position in ACKNOWLEDGED
            ]
            print(
                f"{'':9}  from COMMIT acknowledged:  "
                f"p50 {statistics.median(acked) * 1000:7.1f} ms  "
                f"p99 {_percentile(acked, 0.99) * 1000:7.1f} ms  "
                f"max {max(acked) * 1000:7.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="writers append to the event store in-process, not through signed POST /v1/events",
    )
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="synchronous_commit=off on the bench database: measure the feed, not the disk",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
