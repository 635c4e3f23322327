"""A process stopped cleanly leaves the /ops list at once; only a killed one stays, SILENT."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestServer

from hub.app import create_app
from hub.ops.page.resources import HEARTBEAT
from hub.settings import Settings


async def test_a_cleanly_stopped_process_is_forgotten_at_once(
    settings: Settings, db: asyncpg.Connection
) -> None:
    first, second = TestServer(create_app(settings)), TestServer(create_app(settings))
    await first.start_server()
    await second.start_server()
    try:
        stopping = first.app[HEARTBEAT].identity
        staying = second.app[HEARTBEAT].identity
        listed = {r["identity"] for r in await db.fetch("SELECT identity FROM ops_processes")}
        assert listed == {stopping, staying}
        await first.close()
        listed = {r["identity"] for r in await db.fetch("SELECT identity FROM ops_processes")}
        assert listed == {staying}
    finally:
        await first.close()
        await second.close()
