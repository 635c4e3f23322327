"""Closing silent connections to make room never closes a client's connection whose request is
on its way: only one silent for a moment (EVICTABLE_AFTER_S) is closed; a newcomer finding none
is told 503. Every client connection gets an answer, never a bare close."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from hub.app import create_app
from hub.http.admission import EVICTABLE_AFTER_S
from hub.http.server import Listener
from hub.settings import SETTINGS, Settings

CAP = 40


@pytest.fixture
async def listener(settings: Settings) -> AsyncIterator[tuple[Listener, int]]:
    app = create_app(dataclasses.replace(settings, max_connections=CAP))
    listener = Listener(app, app[SETTINGS])
    port = await listener.start("127.0.0.1", 0)
    try:
        yield listener, port
    finally:
        await listener.close()


async def _healthz(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
    try:
        async with asyncio.timeout(10):
            return await reader.read()
    finally:
        writer.close()


async def test_clients_arriving_together_are_answered_never_dropped(
    listener: tuple[Listener, int],
) -> None:
    admission, port = listener[0].admission, listener[1]
    assert admission is not None
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(CAP // 2)]
    await asyncio.sleep(EVICTABLE_AFTER_S * 2)  # the subject: these have been silent long enough
    answers = await asyncio.gather(*(_healthz(port) for _ in range(3 * CAP)))
    statuses = sorted({answer.split(b" ")[1] for answer in answers if answer})
    assert all(answers), "a client's connection was closed without an answer"
    assert statuses in ([b"200"], [b"200", b"503"])
    assert admission.evicted_total >= CAP // 2 - 1  # the old silent ones made room
    for _, writer in silent:
        writer.close()
