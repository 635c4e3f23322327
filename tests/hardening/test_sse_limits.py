"""Idle and unread SSE streams: capped per participant, dropped when they stop reading, and
never at the cost of other participants' latency."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.feeds.resources import FEEDS
from hub.sdk.client import HubClient
from hub.settings import Settings
from tests.conftest import example
from tests.waiting import eventually

CAP = 100


@pytest.fixture
async def app(settings: Settings) -> web.Application:
    return create_app(
        dataclasses.replace(
            settings,
            sse_max_streams_per_participant=CAP,
            sse_write_timeout_s=1.0,
            sse_heartbeat_s=0.5,
        )
    )


async def _open_stream(
    client: HubClient, port: int, *, receive_buffer: int | None = None
) -> tuple[bytes, asyncio.StreamWriter]:
    """A stream over a raw socket: its status line, and the writer to close it; never read."""
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    headers = client.signed_headers("GET", "/v1/feed/stream", None, {"Accept": "text/event-stream"})
    lines = ["GET /v1/feed/stream HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    async with asyncio.timeout(5):
        status = await reader.readline()
    return status, writer


@contextlib.asynccontextmanager
async def _streams(
    client: HubClient, port: int, count: int
) -> AsyncIterator[list[asyncio.StreamWriter]]:
    writers = []
    try:
        for _ in range(count):
            status, writer = await _open_stream(client, port)
            assert status.startswith(b"HTTP/1.1 200"), status
            writers.append(writer)
        yield writers
    finally:
        for writer in writers:
            writer.close()


def _filing() -> dict[str, Any]:
    return example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
    )


async def test_streams_beyond_the_cap_are_refused_with_429_and_others_unaffected(
    app: web.Application, client: TestClient, enrol: Any
) -> None:
    hog: HubClient = await enrol("bureau.hog", "bureau", regions=("330100",))
    other: HubClient = await enrol("bureau.other", "bureau", regions=("330100",))
    port = client.server.port
    assert port is not None
    async with _streams(hog, port, CAP):
        response = await hog.request("GET", "/v1/feed/stream")
        assert response.status == 429
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["limit"] == CAP
        # A long-poll counts too; another participant is not affected.
        assert (await hog.request("GET", "/v1/feed", params={"wait": "1"})).status == 429
        assert (await other.request("GET", "/v1/feed")).status == 200
        status, writer = await _open_stream(other, port)
        assert status.startswith(b"HTTP/1.1 200")
        writer.close()
    registry = app[FEEDS].registry

    await eventually(lambda: registry.open_for("bureau.hog") == 0)  # closed by the server
    assert (await hog.request("GET", "/v1/feed")).status == 200


async def test_a_stream_that_does_not_read_is_dropped_within_seconds(
    app: web.Application, client: TestClient, enrol: Any
) -> None:
    writer_client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    hog: HubClient = await enrol("bureau.hog", "bureau", regions=("330100",))
    port = client.server.port
    assert port is not None
    status, stream = await _open_stream(hog, port, receive_buffer=4096)
    assert status.startswith(b"HTTP/1.1 200")
    registry = app[FEEDS].registry
    assert registry.open_for("bureau.hog") == 1
    # About 2 KB a frame: a few hundred kilobytes more than the bounded buffers hold.
    started = time.monotonic()
    for _ in range(300):
        await writer_client.post_event(_filing(), verify=False)
        if not registry.open_for("bureau.hog"):
            break
    await eventually(lambda: registry.open_for("bureau.hog") == 0)  # dropped by the server
    assert time.monotonic() - started < 30
    stream.close()


async def _median_ms(client: HubClient, requests: int) -> float:
    found = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.request("GET", "/v1/complaints", params={"limit": "10"})
        assert response.status == 200
        found.append((time.perf_counter() - started) * 1000)
    return statistics.median(found)


async def test_others_keep_their_latency_while_one_participant_holds_its_maximum_of_streams(
    client: TestClient, enrol: Any
) -> None:
    writer_client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    hog: HubClient = await enrol("bureau.hog", "bureau", regions=("330100",))
    other: HubClient = await enrol("bureau.other", "bureau", regions=("330100",))
    port = client.server.port
    assert port is not None

    async def write() -> None:
        while True:
            await writer_client.post_event(_filing(), verify=False)
            await asyncio.sleep(0.02)  # the pace of the background writes, not a wait

    writing = asyncio.create_task(write())
    try:
        await _median_ms(other, 10)
        quiet = await _median_ms(other, 60)
        async with _streams(hog, port, CAP):
            # A heartbeat's time passes on purpose: what is measured is the cost of streams held
            # and fed, not of the moment they open.
            await asyncio.sleep(0.5)
            loaded = await _median_ms(other, 60)
    finally:
        writing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writing
    assert loaded <= 3 * quiet + 25, (quiet, loaded)
