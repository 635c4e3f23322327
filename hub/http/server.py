"""The listening socket: the app behind the admission of connections (hub/http/admission.py).

Connections beyond the cap, beyond one address's share, or silent past the header timeout are
dealt with there, before any of their bytes are read; the connections already serving requests
(a monitor's keep-alive /healthz among them) are served as before. An idle keep-alive connection
is closed after `keepalive_timeout_s`, and a body that stalls after the body read timeout
(hub/http/body.py), so the slots come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any

import structlog
from aiohttp import web

from hub.http.admission import Admission, OpenConnections
from hub.http.malformed import ProblemRequestHandler
from hub.metrics.multiprocess import directory
from hub.settings import Settings

log = structlog.get_logger("hub.http.server")


class Listener:
    """The app listening on host:port behind the connection cap; `close` stops it gracefully."""

    def __init__(
        self, app: web.Application, settings: Settings, *, reuse_port: bool = False
    ) -> None:
        self._settings = settings
        # One of several worker processes sharing the port (hub/http/workers.py).
        self._reuse_port = reuse_port
        # What every connection's handler is made with (hub/http/malformed.py).
        self._handler_options: dict[str, Any] = {
            "access_log": None,
            "keepalive_timeout": settings.keepalive_timeout_s,
            # A response sent before its request's body was read to the end (refused unsigned,
            # unknown key, body timeout) closes the connection at once; aiohttp would otherwise
            # read and discard the rest of the upload for up to 10 s, holding the slot.
            "lingering_time": 0,
        }
        self._runner = web.AppRunner(
            app, shutdown_timeout=settings.shutdown_timeout_s, **self._handler_options
        )
        self._listening: asyncio.Server | None = None
        self.admission: Admission | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (the one chosen when `port` is 0)."""
        await self._runner.setup()
        server = self._runner.server
        if server is None:  # setup() always makes one; the type allows None before it
            raise RuntimeError("the app runner made no server")
        loop = asyncio.get_running_loop()
        options = self._handler_options
        self.admission = Admission(
            lambda: ProblemRequestHandler(server, loop=loop, **options),
            OpenConnections.from_environment(os.environ, directory()),
            limit=self._settings.max_connections,
            per_address=self._settings.max_connections_per_address,
            header_timeout_s=self._settings.header_timeout_s,
        )
        self._listening = await loop.create_server(
            self.admission,
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
