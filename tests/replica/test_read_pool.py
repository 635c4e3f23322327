"""The read pool without a replica process: read-only connections, readiness, a replica down."""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.settings import Settings, SettingsError
from hub.store.resources import POOL, READ_POOL
from tests.feeds._cast import filed

# A replica that is down: nothing listens on this socket.
_DOWN = "postgresql://postgres@/hub?host=/tmp/complaint-hub-no-replica&port=5999"


@pytest.fixture
def read_url(database_url: str) -> str:
    return database_url  # the primary's own database, read through a read-only pool


@pytest.fixture
def settings(settings: Settings, read_url: str) -> Settings:
    return dataclasses.replace(settings, read_database_url=read_url)


def test_read_database_url_must_be_a_postgresql_url() -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_READ_DATABASE_URL='mysql://db/hub'"):
        Settings.from_environ({"COMPLAINT_HUB_READ_DATABASE_URL": "mysql://db/hub"})
    read_url = "postgresql://reader@replica/hub"
    settings = Settings.from_environ({"COMPLAINT_HUB_READ_DATABASE_URL": read_url})
    assert settings.read_database_url == read_url
    assert Settings.from_environ({}).read_database_url is None


async def test_read_pool_refuses_writes_even_on_a_primary(
    app: web.Application, client: TestClient, enrol: Any
) -> None:
    assert app[READ_POOL] is not app[POOL]
    async with app[READ_POOL].acquire() as conn:
        assert not await conn.fetchval("SELECT pg_is_in_recovery()")
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("UPDATE feed_counter SET last = last + 1")
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    position = (await bureau.post_event(filed("bureau.hz:HZ12315-readpool")))["position"]
    page = await bureau.get_feed(after=0)
    assert [i["position"] for i in page["items"]] == [position]
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["replica"] == {
        "reachable": True,
        "in_recovery": False,
        "replay_paused": False,
        "lag_bytes": 0,
        "lag_s": 0.0,
        "position": position,
    }


@pytest.mark.parametrize("read_url", [_DOWN])
async def test_replica_down_stops_the_read_paths_not_the_hub(
    client: TestClient, enrol: Any
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    receipt = await bureau.post_event(filed("bureau.hz:HZ12315-replicadown"))
    assert receipt["position"] == 1  # writes and their receipts go on
    for path in ("/v1/feed", "/v1/complaints"):
        response = await bureau.request("GET", path)
        assert response.status == 503, path
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("database-unavailable")
    response = await client.get("/readyz")
    assert response.status == 200  # the hub still takes events; the replica is reported
    assert (await response.json())["replica"] == {
        "reachable": False,
        "error": "FileNotFoundError",
    }
