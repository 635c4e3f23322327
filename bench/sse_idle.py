"""Latency of another participant's signed GET while one participant holds idle SSE streams.

    python bench/sse_idle.py [--streams N] [--requests 200] [--rate 50] [--database-url URL]

The hub runs in this process behind its real listener (hub/http/server.py) on an embedded
PostgreSQL. A bureau writes events at `--rate` a second throughout, so the feed's head moves and
every open stream has work to do. A second bureau ("hog") opens `--streams` SSE streams over raw
sockets and never reads them; by default as many as its cap allows
(COMPLAINT_HUB_SSE_MAX_STREAMS_PER_PARTICIPANT). A third ("other") sends `--requests` signed
`GET /v1/complaints?limit=10` one after another, first with no streams open, then with the hog's
streams open, and both latencies are printed, with how many streams the hub accepted and refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._pg import bench_database
from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.http.server import Listener
from hub.logs import configure_logging
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.participants import Participant
from hub.trust.resources import PARTICIPANTS

EXAMPLES = Path(__file__).resolve().parents[1] / "schemas" / "examples"


def _filing(filer: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / "complaint.filed.json").read_text())
    # Under the filer's own prefix: a bureau files under ids of its own.
    document.update(event_id=str(uuid.uuid4()), complaint_id=f"{filer}:{uuid.uuid4().hex[:16]}")
    return document


async def _enrol(app: Any, base_url: str, participant_id: str) -> HubClient:
    store = app[PARTICIPANTS]
    await store.add(
        Participant(participant_id, participant_id, "bureau", None, ("330100",), None, True)
    )
    key = generate_private_key()
    kid = f"{participant_id}-1"
    await store.add_key(participant_id, kid, public_key_raw(key.public_key()))
    return HubClient(base_url, kid, key)


@dataclasses.dataclass
class Streams:
    accepted: int = 0
    refused: int = 0
    writers: list[asyncio.StreamWriter] = dataclasses.field(default_factory=list)


async def _open_idle_streams(client: HubClient, port: int, count: int) -> Streams:
    """Open `count` streams; read each one's status line, then never read again."""
    streams = Streams()
    for _ in range(count):
        headers = client.signed_headers(
            "GET", "/v1/feed/stream", None, {"Accept": "text/event-stream"}
        )
        lines = ["GET /v1/feed/stream HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = await reader.readline()
        if status.startswith(b"HTTP/1.1 200"):
            streams.accepted += 1
            streams.writers.append(writer)
        else:
            streams.refused += 1
            writer.close()
    return streams


async def _latencies_ms(client: HubClient, requests: int) -> list[float]:
    found = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.request("GET", "/v1/complaints", params={"limit": "10"})
        found.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET /v1/complaints answered {response.status}")
    return found


@contextlib.asynccontextmanager
async def _writing(client: HubClient, rate: float) -> AsyncIterator[None]:
    async def write() -> None:
        while True:
            await client.post_event(_filing("bureau.writer"), verify=False)
            await asyncio.sleep(1 / rate)

    task = asyncio.create_task(write())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):7.2f} ms  p95 {p95:7.2f} ms  max {ordered[-1]:7.2f} ms"


async def main(args: argparse.Namespace) -> None:
    configure_logging("console", "WARNING")
    async with bench_database(args.database_url) as dsn:
        settings = Settings(database_url=dsn, data_dir=Path(tempfile.mkdtemp(prefix="chsse")))
        if args.cap is not None:
            settings = dataclasses.replace(settings, sse_max_streams_per_participant=args.cap)
        count = args.streams or settings.sse_max_streams_per_participant
        app = create_app(settings)
        listener = Listener(app, settings)
        port = await listener.start("127.0.0.1", 0)
        base_url = f"http://127.0.0.1:{port}"
        writer, hog, other = [
            await _enrol(app, base_url, name)
            for name in ("bureau.writer", "bureau.hog", "bureau.other")
        ]
        try:
            async with _writing(writer, args.rate):
                await _latencies_ms(other, 20)  # warm up
                quiet = await _latencies_ms(other, args.requests)
                streams = await _open_idle_streams(hog, port, count)
                await asyncio.sleep(1.0)
                loaded = await _latencies_ms(other, args.requests)
            print(f"signed GET /v1/complaints by another participant, {args.requests} requests,")
            print(f"events written at {args.rate:g}/s throughout:")
            print(f"  no idle streams:            {_summary(quiet)}")
            print(
                f"  {streams.accepted:4d} idle streams held: {_summary(loaded)}"
                f"   ({streams.refused} more refused by the cap of "
                f"{settings.sse_max_streams_per_participant})"
            )
            for held in streams.writers:
                held.close()
        finally:
            for client in (writer, hog, other):
                await client.close()
            await listener.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=0, help="streams to open (default: the cap)")
    parser.add_argument("--cap", type=int, default=None, help="override the per-participant cap")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="events written per second")
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
