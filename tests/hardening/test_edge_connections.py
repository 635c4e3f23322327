"""Raw sockets against the real listener: stalled uploads are closed after the body read
timeout, connections beyond the cap are refused at once, and the hub keeps answering."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from prometheus_client import REGISTRY

from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.http.server import Listener
from hub.sdk.client import HubClient
from hub.settings import SETTINGS, Settings
from hub.store.participants import Participant
from hub.trust.resources import PARTICIPANTS
from tests.conftest import example
from tests.waiting import eventually

TIMEOUT_S = 1.0
CAP = 12


@dataclasses.dataclass
class Edge:
    app: web.Application
    listener: Listener
    port: int
    signer: HubClient


@pytest.fixture
async def edge(settings: Settings) -> AsyncIterator[Edge]:
    app = create_app(
        dataclasses.replace(settings, body_read_timeout_s=TIMEOUT_S, max_connections=CAP)
    )
    listener = Listener(app, app[SETTINGS])
    port = await listener.start("127.0.0.1", 0)
    store = app[PARTICIPANTS]
    await store.add(Participant("bureau.hz", "Bureau", "bureau", None, ("330100",), None, True))
    key = generate_private_key()
    await store.add_key("bureau.hz", "bureau-1", public_key_raw(key.public_key()))
    signer = HubClient(f"http://127.0.0.1:{port}", "bureau-1", key)
    try:
        yield Edge(app, listener, port, signer)
    finally:
        await signer.close()
        await listener.close()


def _open_connections(edge: Edge) -> int:
    admission = edge.listener.admission
    assert admission is not None
    return admission.open_here


def _uploads_answered() -> float:
    """POST /v1/events requests the hub has finished with, whatever their status."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if sample.name == "hub_http_requests_total"
        and sample.labels["method"] == "POST"
        and sample.labels["route"] == "/v1/events"
    )


def _head(method: str, path: str, headers: dict[str, str], port: int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def _read_until_closed(reader: asyncio.StreamReader, timeout_s: float) -> bytes:
    received = b""
    async with asyncio.timeout(timeout_s):
        while chunk := await reader.read(65536):
            received += chunk
    return received


def _stalled_upload(edge: Edge) -> bytes:
    body = orjson.dumps(example("complaint.filed", event_id=str(uuid.uuid4())))
    headers = edge.signer.signed_headers("POST", "/v1/events", body)
    headers["Content-Length"] = str(len(body))
    return _head("POST", "/v1/events", headers, edge.port) + body[:10]


async def test_a_stalled_signed_upload_gets_408_and_is_closed_after_the_timeout(
    edge: Edge,
) -> None:
    reader, writer = await _connect(edge.port)
    writer.write(_stalled_upload(edge))
    started = time.monotonic()
    received = await _read_until_closed(reader, timeout_s=TIMEOUT_S + 5)
    elapsed = time.monotonic() - started
    writer.close()
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"request-timeout" in received
    assert TIMEOUT_S * 0.9 <= elapsed < TIMEOUT_S + 3


async def test_an_unsigned_upload_is_refused_before_its_body_is_read(edge: Edge) -> None:
    reader, writer = await _connect(edge.port)
    headers = {"Content-Type": "application/json", "Content-Length": "1000000"}
    writer.write(_head("POST", "/v1/events", headers, edge.port))
    started = time.monotonic()
    received = await _read_until_closed(reader, timeout_s=TIMEOUT_S)
    writer.close()
    assert received.startswith(b"HTTP/1.1 401"), received[:200]
    assert b"signature-missing" in received
    assert time.monotonic() - started < TIMEOUT_S


async def test_an_upload_from_an_unknown_key_is_refused_before_its_body_is_read(
    edge: Edge,
) -> None:
    stranger = HubClient(f"http://127.0.0.1:{edge.port}", "nobody-1", generate_private_key())
    body = b"{" + b" " * 500_000 + b"}"
    headers = stranger.signed_headers("POST", "/v1/events", body)
    headers["Content-Length"] = str(len(body))
    reader, writer = await _connect(edge.port)
    writer.write(_head("POST", "/v1/events", headers, edge.port))
    received = await _read_until_closed(reader, timeout_s=TIMEOUT_S)
    writer.close()
    assert received.startswith(b"HTTP/1.1 401"), received[:200]
    assert b"unknown-key" in received


async def _healthz(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float:
    started = time.monotonic()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
    async with asyncio.timeout(2):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(
            int(v.split(b":")[1]) for v in lines if v.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
    assert head.startswith(b"HTTP/1.1 200"), head
    return time.monotonic() - started


async def test_connections_beyond_the_cap_are_refused_and_the_hub_keeps_answering(
    edge: Edge, capfd: Any
) -> None:
    monitor = await _connect(edge.port)
    await _healthz(*monitor)
    stalled = []
    for _ in range(CAP - 1):  # the monitor holds one slot
        reader, writer = await _connect(edge.port)
        writer.write(_stalled_upload(edge))
        stalled.append((reader, writer))
    # Every stalled upload is admitted and has sent its head (one still silent would be closed
    # to make room instead of a refusal); nothing public counts the silent ones yet.
    await eventually(lambda: _open_connections(edge) == CAP)
    await asyncio.sleep(0.2)

    refused = []
    for _ in range(3 * CAP):
        reader, writer = await _connect(edge.port)
        refused.append(await _read_until_closed(reader, timeout_s=2))
        writer.close()
    assert all(r.startswith(b"HTTP/1.1 503") for r in refused), refused[0][:200]
    assert all(b"Retry-After: 1" in r for r in refused)
    # The monitor's connection is served as before, and quickly.
    assert await _healthz(*monitor) < 0.5

    # Each stalled upload is told 408 and closed after the body timeout; the slots come back.
    for reader, writer in stalled:
        received = await _read_until_closed(reader, timeout_s=TIMEOUT_S + 5)
        assert received.startswith(b"HTTP/1.1 408"), received[:200]
        writer.close()
    await eventually(lambda: _open_connections(edge) == 1)  # the monitor's alone
    fresh = await _connect(edge.port)
    assert await _healthz(*fresh) < 0.5
    for _, writer in (monitor, fresh):
        writer.close()


async def test_an_upload_cut_short_is_logged_in_one_line(
    edge: Edge, capfd: pytest.CaptureFixture[str]
) -> None:
    answered = _uploads_answered()
    _, writer = await _connect(edge.port)
    writer.write(_stalled_upload(edge))
    await writer.drain()
    # The hub must be reading the body when the client goes; nothing public says it is yet.
    await asyncio.sleep(0.3)
    writer.close()
    # The hub is done with the request, and with its connection.
    await eventually(lambda: _uploads_answered() > answered and _open_connections(edge) == 0)
    out, err = capfd.readouterr()
    logged = out + err
    assert logged.count("request_body_aborted") == 1, logged
    assert "Traceback" not in logged
    assert "unhandled_exception" not in logged
