"""Requests the HTTP parser refuses are answered as problems, like every other refusal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from hub.app import create_app
from hub.http.server import Listener
from hub.settings import SETTINGS, Settings


@pytest.fixture
async def port(settings: Settings) -> AsyncIterator[int]:
    app = create_app(settings)
    listener = Listener(app, app[SETTINGS])
    try:
        yield await listener.start("127.0.0.1", 0)
    finally:
        await listener.close()


async def _exchange(port: int, request: bytes) -> tuple[bytes, dict[str, object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, orjson.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "named"),
    [
        (b"GET /v1/feed?after=" + b"1" * 9000 + b" HTTP/1.1\r\nHost: hub\r\n\r\n", "URL"),
        (b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", "header"),
        (b"GET /healthz HTTP/1.1\r\nHost: hub\r\nBad Header: x\r\n\r\n", "not valid HTTP/1.1"),
    ],
    ids=["long-url", "long-header", "bad-header"],
)
async def test_an_unparsable_request_gets_a_problem(
    port: int, request_bytes: bytes, named: str
) -> None:
    head, problem = await _exchange(port, request_bytes)
    # Unparsable, the request has no version of its own: the answer may say HTTP/1.0.
    assert head.split(b" ")[1] == b"400", head
    assert b"Content-Type: application/problem+json" in head
    assert problem["type"] == "https://complaint-hub.org/problems/malformed-request"
    assert problem["status"] == 400
    assert named in str(problem["detail"])


async def test_a_long_url_on_a_kept_alive_connection_gets_a_problem_too(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
    async with asyncio.timeout(5):
        first = await reader.readuntil(b"\r\n\r\n")
        length = int(first.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        writer.write(b"GET /v1/feed?after=" + b"1" * 9000 + b" HTTP/1.1\r\nHost: hub\r\n\r\n")
        second = await reader.read()
    writer.close()
    assert first.startswith(b"HTTP/1.1 200")
    assert second.split(b" ")[1] == b"400", second[:200]
    assert b"application/problem+json" in second
