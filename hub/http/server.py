"""The listening socket: the app behind a cap on open connections.

aiohttp accepts every connection the kernel hands it and keeps each until its client lets go, so
two thousand stalled uploads hold two thousand descriptors and starve everyone else. Here each
connection beyond `max_connections` gets a one-line 503 and is closed at once, before any of its
bytes are read; the connections already open (a monitor's keep-alive /healthz among them) are
served as before. A connection that never completes a request is closed after the keep-alive
timeout, and a body that stalls after the body read timeout (hub/http/body.py), so the slots
come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from hub.settings import Settings

log = structlog.get_logger("hub.http.server")

# Idle keep-alive connections, and connections that never send a complete request, are closed
# after this long (aiohttp's default is an hour). Proxies commonly keep idle upstreams 60-75 s.
KEEPALIVE_TIMEOUT_S = 75.0
_OVER_CAPACITY_BODY = (
    b'{"type":"https://complaint-hub.org/problems/service-unavailable",'
    b'"title":"Service unavailable","status":503,'
    b'"detail":"the hub holds its maximum of open connections; retry shortly"}'
)
_OVER_CAPACITY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/problem+json\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n"
    b"Content-Length: %d\r\n"
    b"\r\n%s" % (len(_OVER_CAPACITY_BODY), _OVER_CAPACITY_BODY)
)


class _Refused(asyncio.Protocol):
    """A connection beyond the cap: told 503 and closed, its request never read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(_OVER_CAPACITY)
        transport.close()


class ConnectionCap:
    """The protocol factory for the listening socket: aiohttp's, up to `limit` connections."""

    def __init__(self, server: web.Server, limit: int) -> None:
        self._server = server
        self._limit = limit
        self.refused_total = 0

    def __call__(self) -> asyncio.Protocol:
        if len(self._server.connections) >= self._limit:
            self.refused_total += 1
            # Counted, and logged once per power of two: a flood must not become a log flood.
            if self.refused_total & (self.refused_total - 1) == 0:
                log.warning(
                    "connections_refused_over_cap",
                    limit=self._limit,
                    refused_total=self.refused_total,
                )
            return _Refused()
        handler: RequestHandler = self._server()
        return handler


class Listener:
    """The app listening on host:port behind the connection cap; `close` stops it gracefully."""

    def __init__(
        self, app: web.Application, settings: Settings, *, reuse_port: bool = False
    ) -> None:
        self._settings = settings
        # One of several worker processes sharing the port (hub/http/workers.py).
        self._reuse_port = reuse_port
        self._runner = web.AppRunner(
            app,
            access_log=None,
            keepalive_timeout=KEEPALIVE_TIMEOUT_S,
            # A response sent before its request's body was read to the end (refused unsigned,
            # unknown key, body timeout) closes the connection at once; aiohttp would otherwise
            # read and discard the rest of the upload for up to 10 s, holding the slot.
            lingering_time=0,
            shutdown_timeout=settings.shutdown_timeout_s,
        )
        self._listening: asyncio.Server | None = None
        self.cap: ConnectionCap | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (the one chosen when `port` is 0)."""
        await self._runner.setup()
        server = self._runner.server
        if server is None:  # setup() always makes one; the type allows None before it
            raise RuntimeError("the app runner made no server")
        self.cap = ConnectionCap(server, self._settings.max_connections)
        loop = asyncio.get_running_loop()
        self._listening = await loop.create_server(
            self.cap,
            host,
            port,
            reuse_address=True,
            reuse_port=self._reuse_port or None,
            # Room for a burst of new connections while the loop is busy with requests.
            backlog=1024,
        )
        sockets = self._listening.sockets
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def close(self) -> None:
        """Stop accepting, let in-flight requests finish (up to the shutdown timeout), then run
        the app's shutdown and cleanup."""
        if self._listening is not None:
            self._listening.close()
        await self._runner.cleanup()
        if self._listening is not None:
            # Only now: from Python 3.12 this waits for every connection to be closed.
            await self._listening.wait_closed()


async def serve(app: web.Application, settings: Settings, *, reuse_port: bool = False) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    listener = Listener(app, settings, reuse_port=reuse_port)
    try:
        await listener.start(settings.host, settings.port)
        await stop.wait()
    finally:
        await listener.close()
