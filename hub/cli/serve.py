"""`complaint-hub serve`: the hub in this process, or in N worker processes sharing the port."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Callable

from hub import __version__
from hub.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="hub processes sharing the port (SO_REUSEPORT); default: the number of cores",
    )
    # Set by the parent of several workers on each of them.
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.logs import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    database = (
        "embedded PostgreSQL in " + str(settings.data_dir) if settings.embedded else "PostgreSQL"
    )
    workers = max(1, int(getattr(args, "workers", 1) or 1))
    reuse_port = bool(getattr(args, "reuse_port", False))
    if not reuse_port:  # a worker shares the port its parent checked and holds
        from hub.http.workers import port_in_use

        if port_in_use(settings.host, settings.port):
            print(
                f"complaint-hub: serve: port {settings.port} on {settings.host} is already in use"
                " (another hub or another process); stop it, or set COMPLAINT_HUB_PORT",
                file=sys.stderr,
            )
            return 2
    if workers > 1:
        from hub.http.workers import run_workers
        from hub.store.embedded import start_embedded

        def announce(port: int) -> None:
            print(
                f"complaint-hub {__version__} listening on http://{settings.host}:{port} "
                f"({database}, {workers} workers)",
                flush=True,
            )

        return run_workers(settings, workers, announce=announce, start_embedded=start_embedded)
    return _serve_here(settings, database, reuse_port=reuse_port)


def _serve_here(settings: Settings, database: str, *, reuse_port: bool) -> int:
    from aiohttp import web

    from hub.app import create_app
    from hub.http.server import serve

    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"

    async def announce(_: web.Application) -> None:
        if not reuse_port:  # a worker: the parent announces the port once
            print(f"complaint-hub {__version__} listening on {url} ({database})", flush=True)

    app.on_startup.append(announce)
    app.on_startup.append(freeze_startup_objects)
    # SIGTERM and SIGINT stop it gracefully: the listener closes, in-flight requests get up to
    # shutdown_timeout_s to finish, then the cleanup contexts close. The listener caps open
    # connections (hub/http/server.py).
    with asyncio.Runner(loop_factory=loop_factory(settings.event_loop)) as runner:
        runner.run(serve(app, settings, reuse_port=reuse_port))
    return 0


async def freeze_startup_objects(_: object = None) -> None:
    """Move everything built at start-up (schemas, validators, the adapters' tables, the pool)
    out of the collector's reach: they live as long as the process, and a full collection that
    walks them stalls every request in flight for tens of milliseconds."""
    gc.collect()
    gc.freeze()


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when asked for and installed (its socket and protocol layer in C carries
    more requests per core); None, asyncio's own loop, otherwise."""
    if name != "uvloop":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
