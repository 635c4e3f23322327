"""Rate limits shared by every process: each leases tokens in blocks from one bucket per
participant in the database, so N workers or replicas together hold the role's rate.

The SQL of a lease repeats the pure rule (`lease`) for speed; a table test holds the two together.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.clock import CLOCK
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.http.ratelimit import Bucket, Rate, RateLimiter, lease
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.participants import Participant
from hub.store.rate_buckets import Lease, RateBucketStore
from hub.trust.resources import PARTICIPANTS
from tests.clocks import MovableClock
from tests.hardening._buckets import MemoryBuckets

RATE = Rate(per_s=2.0, burst=3)

CASES = [
    # (bucket before, now_s, block) -> (bucket after, granted, wait_s)
    (None, 100.0, 1, Bucket(2.0, 100.0), 1, 0.0),  # a new bucket starts full
    (None, 100.0, 2, Bucket(1.0, 100.0), 2, 0.0),
    (None, 100.0, 5, Bucket(0.0, 100.0), 3, 0.0),  # never more than there is
    (Bucket(2.5, 100.0), 100.0, 5, Bucket(0.5, 100.0), 2, 0.0),  # whole tokens only
    (Bucket(0.5, 100.0), 100.0, 5, Bucket(0.5, 100.0), 0, 0.25),
    (Bucket(0.0, 100.0), 100.0, 1, Bucket(0.0, 100.0), 0, 0.5),
    (Bucket(0.0, 100.0), 100.75, 2, Bucket(0.5, 100.75), 1, 0.0),  # refilled 1.5
    (Bucket(0.0, 100.0), 200.0, 2, Bucket(1.0, 200.0), 2, 0.0),  # refill stops at the burst
    (Bucket(0.0, 100.0), 50.0, 1, Bucket(0.0, 100.0), 0, 0.5),  # a clock behind refills nothing
    (Bucket(2.0, 100.0), 50.0, 1, Bucket(1.0, 100.0), 1, 0.0),
]


@pytest.mark.parametrize(("before", "now_s", "block", "after", "granted", "wait_s"), CASES)
def test_lease(
    before: Bucket | None, now_s: float, block: int, after: Bucket, granted: int, wait_s: float
) -> None:
    assert lease(before, RATE, now_s, block) == (after, granted, pytest.approx(wait_s))


@pytest.mark.parametrize(("before", "now_s", "block", "after", "granted", "wait_s"), CASES)
async def test_the_databases_lease_is_the_pure_rules(
    database_url: str,
    before: Bucket | None,
    now_s: float,
    block: int,
    after: Bucket,
    granted: int,
    wait_s: float,
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        if before is not None:
            await pool.execute(
                "INSERT INTO rate_buckets (participant, tokens, updated_s, granted)"
                " VALUES ('taobao', $1, $2, 0)",
                before.tokens,
                before.updated_s,
            )
        leased = await RateBucketStore(pool).lease("taobao", now_s, RATE.per_s, RATE.burst, block)
        row = await pool.fetchrow(
            "SELECT tokens, updated_s FROM rate_buckets WHERE participant = 'taobao'"
        )
    finally:
        await pool.close()
    assert leased == Lease(granted, after.tokens)
    assert row is not None
    assert Bucket(row["tokens"], row["updated_s"]) == after


def test_a_lease_is_a_twentieth_of_a_seconds_rate_and_never_more_than_a_quarter_burst() -> None:
    assert Rate(1.0, 3).block == 1
    assert Rate(200.0, 2000).block == 10
    assert Rate(1000.0, 10000).block == 50
    assert Rate(1000.0, 20).block == 5
    assert Rate(50.0, 25).block == 3


async def test_requests_spend_leased_tokens_without_asking_the_database() -> None:
    rate = Rate(200.0, 2000)
    shared = MemoryBuckets()
    limiter = RateLimiter({"default": rate}, lambda: shared)
    for _ in range(25):
        assert await limiter.take("taobao", "platform", 0.0) == 0.0
    assert shared.leases == 3  # blocks of 10


async def test_concurrent_requests_of_one_participant_share_one_lease() -> None:
    rate = Rate(200.0, 2000)
    shared = MemoryBuckets(delay_s=0.01)
    limiter = RateLimiter({"default": rate}, lambda: shared)
    waits = await asyncio.gather(*(limiter.take("taobao", "platform", 0.0) for _ in range(10)))
    assert waits == [0.0] * 10
    assert shared.leases == 1


async def test_a_refused_participant_is_refused_here_until_its_wait_is_over() -> None:
    rate = Rate(1.0, 1)
    shared = MemoryBuckets()
    limiter = RateLimiter({"default": rate}, lambda: shared)
    assert await limiter.take("taobao", "platform", 0.0) == 0.0
    assert await limiter.take("taobao", "platform", 0.0) == pytest.approx(1.0)
    leases = shared.leases
    for _ in range(100):  # a runaway client costs no database round trip while it waits
        assert await limiter.take("taobao", "platform", 0.5) == pytest.approx(0.5)
    assert shared.leases == leases
    assert await limiter.take("taobao", "platform", 1.0) == 0.0


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return dataclasses.replace(settings, rate_limits=(("default", 1.0, 3),))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def app(limited: Settings, clock: MovableClock) -> web.Application:
    app = create_app(limited)
    app[CLOCK] = clock
    return app


@pytest.fixture
async def other_hub(limited: Settings, clock: MovableClock) -> AsyncIterator[TestClient]:
    """A second hub on the same database: another worker, or another replica."""
    other = create_app(limited)
    other[CLOCK] = clock
    async with TestClient(TestServer(other, host="127.0.0.1")) as client:
        yield client


async def test_two_hubs_on_one_database_hold_one_rate_together(
    app: web.Application, client: TestClient, other_hub: TestClient, clock: MovableClock
) -> None:
    key = generate_private_key()
    participants = app[PARTICIPANTS]
    await participants.add(
        Participant("bureau.hz", "Bureau", "bureau", None, ("330100",), None, True)
    )
    await participants.add_key("bureau.hz", "bureau.hz-1", public_key_raw(key.public_key()))
    here, there = (
        HubClient(str(hub.make_url("")).rstrip("/"), "bureau.hz-1", key, session=hub.session)
        for hub in (client, other_hub)
    )
    assert (await here.request("GET", "/v1/subscriptions")).status == 200
    assert (await there.request("GET", "/v1/subscriptions")).status == 200
    assert (await here.request("GET", "/v1/subscriptions")).status == 200
    for hub in (there, here):
        refused = await hub.request("GET", "/v1/subscriptions")
        assert (refused.status, refused.headers["Retry-After"]) == (429, "1")
    clock.now += timedelta(seconds=1)
    assert (await there.request("GET", "/v1/subscriptions")).status == 200
    assert (await here.request("GET", "/v1/subscriptions")).status == 429
