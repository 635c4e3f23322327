"""Several hub processes sharing PROMETHEUS_MULTIPROC_DIR: a scrape of any counts them all, and a
process that stops takes its live gauges with it (its counters stay in the totals)."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.hubproc import hub_process
from tests.metrics._scrape import BEARER, TOKEN, value
from tests.metrics.test_metrics_http import check_metrics
from tests.waiting import eventually

POOL_SIZE = 3
FILED = 6
KID = "bureau.hz-1"


async def _scrape(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url + "/metrics", headers=BEARER) as response:
        assert response.status == 200
        return await response.text()


async def _bureau(database_url: str) -> Ed25519PrivateKey:
    """Enrol bureau.hz with key KID; returns its private key."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        store = ParticipantStore(pool)
        await store.add(Participant("bureau.hz", "Bureau", "bureau", None, ("330100",), None, True))
        key = generate_private_key()
        await store.add_key("bureau.hz", KID, public_key_raw(key.public_key()))
    finally:
        await pool.close()
    return key


async def _scrape_until(
    session: aiohttp.ClientSession, url: str, name: str, expected: float, **labels: str
) -> str:
    """Scrape (each time whichever worker the kernel picks) until `name` reads `expected`: each
    worker writes its sampled gauges every few seconds."""

    async def scrape_with_expected_value() -> str:
        text = await _scrape(session, url)
        assert value(text, name, **labels) == expected, (name, labels)
        return text

    return await eventually(scrape_with_expected_value, timeout_s=20, interval_s=0.2)


@pytest.mark.slow
async def test_every_worker_scrape_counts_all_workers_and_a_stopped_worker_leaves_no_gauges(
    database_url: str, tmp_path: Path
) -> None:
    key = await _bureau(database_url)
    shared = tmp_path / "metrics"
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": "86400",
        "COMPLAINT_HUB_POOL_SIZE": str(POOL_SIZE),
        "COMPLAINT_HUB_METRICS_TOKEN": TOKEN,
    }
    accepted = {"type": "complaint.filed", "participant": "bureau.hz"}
    async with aiohttp.ClientSession() as session:
        with hub_process(env, tmp_path / "hub.log", serve_args=("--workers", "2")) as url:
            writer = HubClient(url, KID, key, session=session)
            for n in range(FILED):
                filed = example(
                    "complaint.filed",
                    event_id=str(uuid.uuid4()),
                    complaint_id=f"bureau.hz:HZ12315-mp{n}-{uuid.uuid4().hex[:8]}",
                )
                # A new connection each time: the kernel spreads them over the workers.
                answer = await writer.request(
                    "POST", "/v1/events", json=filed, headers={"Connection": "close"}
                )
                assert answer.status == 201
            both = await _scrape_until(
                session, url, "hub_db_pool_connections", 2 * POOL_SIZE, state="max"
            )
            scrapes = [await _scrape(session, url) for _ in range(4)]
            files = {p.name for p in shared.iterdir()}

    # Counters add up across workers, whichever worker answers.
    for text in (both, *scrapes):
        assert value(text, "hub_events_accepted_total", **accepted) == FILED
        assert value(text, "hub_http_requests_total", route="/v1/events", status="201") == FILED
    assert value(both, "hub_db_pool_connections", state="max") == 2 * POOL_SIZE
    code, output = await check_metrics(both)
    assert code == 0, output
    assert any(name.startswith("gauge_livesum_") for name in files)
    # Both workers stopped cleanly and marked themselves dead: their live gauges are gone, what
    # they counted stays for the totals.
    left = {p.name for p in shared.iterdir()}
    assert not any(name.startswith(("gauge_livesum_", "gauge_livemax_")) for name in left)
    assert any(name.startswith("counter_") for name in left)
