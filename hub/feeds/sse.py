"""The feed as Server-Sent Events: `id:` is the position, `event:` the event type, `data:` the item.

Each client gets a bounded share of memory: a write that cannot drain within the write timeout,
or a transport buffer above the bound, drops the client with a final comment telling it to
resume with Last-Event-ID. Idle streams carry a heartbeat comment so proxies keep them open.
Once the response has started an error ends the stream and is logged (STYLE.md, Errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket

import structlog
from aiohttp import web

from hub.domain.roles import Actor
from hub.feeds.pages import FeedQuery, item_bytes, read_page
from hub.feeds.registry import KEY_REVOKED, PARTICIPANT_DISABLED, OpenStream
from hub.feeds.service import Feeds, SseLimits
from hub.store.feed import FeedItem

log = structlog.get_logger("hub.feeds.sse")

HEARTBEAT = b": heartbeat\n\n"
DROPPED = b": dropped slow consumer, resume with Last-Event-ID\n\n"
_FINAL = {
    KEY_REVOKED: b": closed, key revoked\n\n",
    PARTICIPANT_DISABLED: b": closed, participant disabled\n\n",
}
_CLOSED_FOR_SHUTDOWN = b": closed, hub shutting down, resume with Last-Event-ID\n\n"
# Items per read while streaming, and bytes per write: one write stays well under the bound.
_STREAM_PAGE = 100
_WRITE_BYTES = 16 * 1024
# What one stream may hold unsent, in the process and in the kernel, before a write must wait
# for the client to read: hundreds of streams times the kernel's autotuned megabytes would be
# gigabytes held for clients that do not read.
_TRANSPORT_HIGH_BYTES = 32 * 1024
_KERNEL_BUFFER_BYTES = 64 * 1024


class SlowConsumer(Exception):
    """The client does not read fast enough to stay within its buffer."""


def frame(item: FeedItem) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (
        item.position,
        item.type.encode(),
        item_bytes(item),
    )


@dataclasses.dataclass
class _Sender:
    request: web.Request
    response: web.StreamResponse
    limits: SseLimits

    async def send(self, chunk: bytes) -> None:
        transport = self.request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("client went away")
        if transport.get_write_buffer_size() > self.limits.buffer_bytes:
            raise SlowConsumer
        try:
            await asyncio.wait_for(self.response.write(chunk), self.limits.write_timeout_s)
        except TimeoutError as err:
            raise SlowConsumer from err

    def drop(self) -> None:
        """Queue the final comment behind what is buffered; abort if it is not read in time."""
        transport = self.request.transport
        if transport is None or transport.is_closing():
            return
        transport.write(DROPPED)
        transport.close()
        asyncio.get_running_loop().call_later(self.limits.write_timeout_s, transport.abort)


def _bound_buffers(request: web.Request, buffer_bytes: int) -> None:
    """Cap the socket's send buffer too: otherwise the kernel's autotuning would quietly hold
    megabytes for a client that does not read, and the write timeout would never trip. And make
    every write beyond a small backlog wait for the client (aiohttp waits only past 64 KiB), so
    a client that stops reading is found, and dropped, within the write timeout."""
    transport = request.transport
    if transport is None:
        return
    transport.set_write_buffer_limits(high=_TRANSPORT_HIGH_BYTES)
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, min(buffer_bytes, _KERNEL_BUFFER_BYTES)
            )


async def stream_feed(
    request: web.Request, feeds: Feeds, actor: Actor, query: FeedQuery, stream: OpenStream
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx would otherwise hold events back
        }
    )
    _bound_buffers(request, feeds.sse.buffer_bytes)
    await response.prepare(request)
    sender = _Sender(request, response, feeds.sse)
    loop = asyncio.get_running_loop()
    query = dataclasses.replace(query, limit=min(query.limit, _STREAM_PAGE))
    cursor = query.after
    last_sent = loop.time()
    try:
        await sender.send(b": open\n\n")
        while not stream.closed.is_set():
            async with feeds.registry.read_slots:
                page = await read_page(
                    feeds.read_pool, actor, dataclasses.replace(query, after=cursor)
                )
            cursor = page.next
            if page.items:
                chunk = bytearray()
                for item in page.items:
                    chunk += frame(item)
                    if len(chunk) >= _WRITE_BYTES:
                        await sender.send(bytes(chunk))
                        chunk.clear()
                if chunk:
                    await sender.send(bytes(chunk))
                last_sent = loop.time()
                continue
            if not page.exhausted:
                continue
            quiet_s = feeds.sse.heartbeat_s - (loop.time() - last_sent)
            if quiet_s > 0:
                await feeds.wait_readable_beyond(cursor, quiet_s, abort=stream.closed)
            if not stream.closed.is_set() and loop.time() - last_sent >= feeds.sse.heartbeat_s:
                await sender.send(HEARTBEAT)
                last_sent = loop.time()
        await sender.send(_FINAL.get(stream.reason or "", _CLOSED_FOR_SHUTDOWN))
        log.info("sse_closed", reason=stream.reason, position=cursor)
        await response.write_eof()
    except SlowConsumer:
        log.warning("sse_slow_consumer_dropped", position=cursor)
        sender.drop()
    except ConnectionResetError:
        log.info("sse_client_gone", position=cursor)
    except Exception:
        log.exception("sse_stream_failed", position=cursor)
        if request.transport is not None:
            request.transport.close()
    return response
