"""GET /v1/feed/stream: SSE frames by position, resume with Last-Event-ID, heartbeats, and a
slow consumer dropped rather than buffered."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import uuid

import pytest
from aiohttp import web

from hub.app import create_app
from hub.feeds.resources import FEEDS
from hub.settings import SETTINGS, Settings
from tests.feeds._cast import file_with_notes
from tests.feeds._sse import sse_frames


def _cid() -> str:
    return f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def app(settings: Settings) -> web.Application:
    quick = dataclasses.replace(
        settings, sse_heartbeat_s=0.3, sse_write_timeout_s=1.0, sse_buffer_bytes=64 * 1024
    )
    return create_app(quick)


async def test_stream_sends_each_item_with_its_position_and_type(enrol, client) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    await file_with_notes(bureau, _cid(), 2)

    frames = []
    async for frame in sse_frames(operator, client.session):
        if frame.id is not None:
            frames.append(frame)
        if len(frames) == 3:
            break
    assert [f.id for f in frames] == [1, 2, 3]
    assert [f.event for f in frames] == ["complaint.filed", "case.note_added", "case.note_added"]
    assert frames[0].data["position"] == 1
    assert frames[0].data["event"]["type"] == "complaint.filed"
    await operator.verify_feed_item(frames[2].data)


async def test_resume_from_last_event_id_misses_nothing(enrol, client) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    complaint_id = _cid()
    await file_with_notes(bureau, complaint_id, 9)  # 1..10

    first: list[int] = []
    async for frame in sse_frames(operator, client.session):
        if frame.id is not None:
            first.append(frame.id)
        if len(first) == 4:
            break
    # Written while nobody is connected.
    await file_with_notes(bureau, _cid(), 4)  # 11..15

    second: list[int] = []
    async for frame in sse_frames(operator, client.session, after=0, last_event_id=first[-1]):
        if frame.id is not None:
            second.append(frame.id)
        if second and second[-1] == 15:
            break
    assert first + second == list(range(1, 16))


async def test_idle_stream_carries_heartbeats(enrol, client) -> None:
    operator = await enrol("operator.hub", "operator")
    comments = []
    async with asyncio.timeout(5):
        async for frame in sse_frames(operator, client.session):
            if frame.comment:
                comments.append(frame.comment)
            if comments.count("heartbeat") == 2:
                break
    assert comments[:3] == ["open", "heartbeat", "heartbeat"]


async def test_new_commits_reach_an_open_stream(enrol, client) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    seen: list[str] = []

    async def read() -> None:
        async for frame in sse_frames(taobao, client.session):
            if frame.data is not None:
                seen.append(frame.data["event"]["complaint_id"])
                return

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.2)
    await file_with_notes(bureau, _cid(), 1, platform="jd")
    mine = _cid()
    await file_with_notes(bureau, mine, 0)
    await asyncio.wait_for(reader, 5)
    assert seen == [mine]


async def test_slow_consumer_is_dropped_rather_than_buffered(enrol, client, app) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    total = 600
    await asyncio.gather(*(file_with_notes(bureau, _cid(), total // 10 - 1) for _ in range(10)))

    # A client that asks for the stream and then reads nothing, with a tiny receive window.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (client.host, client.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    path = "/v1/feed/stream"
    signed = operator.signed_headers("GET", path, None, {"Host": f"{client.host}:{client.port}"})
    head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in signed.items())
    writer.write(head.encode() + b"\r\n")
    await writer.drain()

    registry = app[FEEDS].registry
    async with asyncio.timeout(10):
        # The stream may open and be dropped between two looks: count openings, not open ones.
        while registry.opened_total == 0:  # noqa: ASYNC110 - watching the hub's own registry
            await asyncio.sleep(0.05)
        while registry.open_count() > 0:  # noqa: ASYNC110 - dropped once writes stop draining
            await asyncio.sleep(0.05)
    received = b""
    try:
        # Longer than the hub's grace period, after which it aborts the connection itself.
        async with asyncio.timeout(app[SETTINGS].sse_write_timeout_s + 10):
            while chunk := await reader.read(65536):
                received += chunk
    except ConnectionResetError:
        pass
    writer.close()
    assert received.startswith(b"HTTP/1.1 200")
    assert received.count(b"\nid: ") < total  # the server stopped writing: not all buffered
    assert b": dropped slow consumer, resume with Last-Event-ID" in received[-200:]
