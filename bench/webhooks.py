"""Commit-to-delivery latency of webhooks at a steady event rate.

    python bench/webhooks.py [--rate 1000] [--seconds 10] [--database-url URL]

The hub runs in this process (create_app on an embedded PostgreSQL) with its delivery worker; a
bureau subscribes a loopback receiver (the Standard Webhooks signature checked on every delivery)
and complaints are filed through the event store with the real domain check, paced in 10 ms ticks.
Commit time is when the append returned (its group had committed); delivery time is when the
receiver had the request. One subscription is delivered strictly in order, one POST at a time,
so this measures the sequential path a single receiver sees.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._pg import bench_database
from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.domain.roles import Actor, Role
from hub.sdk.client import HubClient
from hub.sdk.webhooks import verify_webhook
from hub.services.intake import build_pending
from hub.services.resources import CHECKS
from hub.settings import Settings
from hub.store.participants import Participant
from hub.store.resources import EVENT_STORE
from hub.trust.resources import PARTICIPANTS

EXAMPLES = Path(__file__).resolve().parents[1] / "schemas" / "examples"
BUREAU = "bureau.hz"
TICK_S = 0.01


@dataclasses.dataclass
class Receiver:
    secret: str = ""
    received_at: dict[int, float] = dataclasses.field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        payload = verify_webhook(request.headers, body, secret=self.secret)
        self.received_at.setdefault(payload["data"]["position"], time.time())
        return web.Response(status=204)


def _filing() -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads((EXAMPLES / "complaint.filed.json").read_bytes())
    document.update(
        event_id=str(uuid.uuid4()), complaint_id=f"{BUREAU}:BENCH-{uuid.uuid4().hex[:16]}"
    )
    return document


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(dsn: str, rate: int, seconds: float) -> None:
    settings = Settings(
        database_url=dsn,
        data_dir=Path(tempfile.mkdtemp(prefix="chbench-wh")),
        log_level="WARNING",
        webhook_allow_private=True,
        pool_size=10,
    )
    app = create_app(settings)
    receiver = Receiver()
    receiver_app = web.Application()
    receiver_app.router.add_post("/hooks", receiver.handle)
    async with (
        TestServer(app, host="127.0.0.1") as hub_server,
        TestServer(receiver_app, host="127.0.0.1") as receiver_server,
    ):
        await app[PARTICIPANTS].add(
            Participant(BUREAU, "Bureau", "bureau", None, ("330100",), None, True)
        )
        key = generate_private_key()
        await app[PARTICIPANTS].add_key(BUREAU, "bench-key", public_key_raw(key.public_key()))
        async with HubClient(str(hub_server.make_url("")), "bench-key", key) as hub:
            created = await hub.call(
                "POST", "/v1/subscriptions", json={"url": str(receiver_server.make_url("/hooks"))}
            )
        receiver.secret = created["secret"]

        check = app[CHECKS].for_domain_actor(Actor(BUREAU, Role.BUREAU, regions=("330100",)))
        committed_at: dict[int, float] = {}
        per_tick = max(1, round(rate * TICK_S))
        ticks = int(seconds / TICK_S)

        # Built beforehand: schema checks are the write path's cost, not the delivery's.
        batches = [
            [build_pending(_filing(), BUREAU, None) for _ in range(per_tick)] for _ in range(ticks)
        ]
        started = time.perf_counter()

        async def tick(events: list[Any]) -> None:
            results = await app[EVENT_STORE].append_many(events, check)
            now = time.time()
            for result in results:
                if isinstance(result, Exception):
                    raise result
                committed_at[result.position] = now

        pending = []
        for number in range(ticks):
            pending.append(asyncio.create_task(tick(batches[number])))
            await asyncio.sleep(max(0.0, started + (number + 1) * TICK_S - time.perf_counter()))
        await asyncio.gather(*pending)
        produced_s = time.perf_counter() - started

        deadline = time.perf_counter() + 60
        # Polling a counter the receiver fills; the bench waits a bounded time for stragglers.
        while len(receiver.received_at) < len(committed_at) and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        drained_s = time.perf_counter() - started

    latencies_ms = [
        (receiver.received_at[p] - committed_at[p]) * 1000
        for p in committed_at
        if p in receiver.received_at
    ]
    print(f"events committed: {len(committed_at)} in {produced_s:.2f} s")
    print(f"commit rate achieved: {len(committed_at) / produced_s:.0f} events/s (target {rate})")
    print(
        f"delivered: {len(latencies_ms)} in {drained_s:.2f} s"
        f" ({len(latencies_ms) / drained_s:.0f} events/s to one receiver, in order)"
    )
    if latencies_ms:
        print(
            f"commit-to-delivery latency: p50 {statistics.median(latencies_ms):.1f} ms,"
            f" p99 {_percentile(latencies_ms, 0.99):.1f} ms,"
            f" max {max(latencies_ms):.1f} ms"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    async with bench_database(args.database_url) as dsn:
        await run(dsn, args.rate, args.seconds)


if __name__ == "__main__":
    asyncio.run(main())
