"""Liveness and readiness."""

from __future__ import annotations

import asyncio

import asyncpg
from aiohttp import web

from hub.problems import NotReady
from hub.records.validate import registry
from hub.settings import SETTINGS
from hub.store.migrate import pending_migrations
from hub.store.replica import replica_report
from hub.store.resources import POOL, READ_POOL
from hub.supervisor import SUPERVISOR


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        registry()  # loaded once, then cached: later probes cost nothing
    except Exception as err:
        # Without its schemas the hub refuses every event; a load balancer must not send any.
        raise NotReady(f"the schemas cannot be loaded: {type(err).__name__}: {err}") from err
    pool = request.app.get(POOL)
    if pool is None:
        raise NotReady("the database pool is not open yet")
    try:
        async with asyncio.timeout(2), pool.acquire() as conn:
            pending = await pending_migrations(conn)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
        raise NotReady(f"the database is unreachable: {type(err).__name__}") from err
    if pending:
        names = ", ".join(f"{m.number:04d}_{m.name}" for m in pending)
        raise NotReady(f"migrations not applied: {names}; run complaint-hub migrate")
    failing = request.app[SUPERVISOR].failing()
    if failing:
        raise NotReady(
            "background tasks keep failing: " + ", ".join(sorted(h.name for h in failing)),
            failing_tasks=[
                {"task": h.name, "consecutive_failures": h.consecutive_failures} for h in failing
            ],
        )
    body: dict[str, object] = {"status": "ready"}
    if request.app[SETTINGS].read_database_url is not None:
        body["replica"] = await replica_report(pool, request.app[READ_POOL])
    return web.json_response(body)
