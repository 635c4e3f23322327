"""Per-participant token buckets: the pure rule by table, then at the edge over HTTP."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from hub.app import create_app
from hub.clock import CLOCK
from hub.http.ratelimit import Bucket, Rate, RateLimiter, take
from hub.settings import Settings, SettingsError
from tests.hardening._buckets import MemoryBuckets

RATE = Rate(per_s=2.0, burst=3)


@pytest.mark.parametrize(
    ("bucket", "now_s", "after", "wait_s"),
    [
        (None, 100.0, Bucket(2.0, 100.0), 0.0),  # a new bucket starts full
        (Bucket(3.0, 100.0), 100.0, Bucket(2.0, 100.0), 0.0),
        (Bucket(1.0, 100.0), 100.0, Bucket(0.0, 100.0), 0.0),
        (Bucket(0.0, 100.0), 100.0, Bucket(0.0, 100.0), 0.5),  # empty: one token in 1/rate s
        (Bucket(0.5, 100.0), 100.0, Bucket(0.5, 100.0), 0.25),
        (Bucket(0.0, 100.0), 100.5, Bucket(0.0, 100.5), 0.0),  # refilled one token, took it
        (Bucket(0.0, 100.0), 200.0, Bucket(2.0, 200.0), 0.0),  # refill stops at the burst
        (Bucket(0.0, 100.0), 50.0, Bucket(0.0, 100.0), 0.5),  # a clock set back refills nothing
        (Bucket(2.0, 100.0), 50.0, Bucket(1.0, 100.0), 0.0),
    ],
)
def test_take(bucket: Bucket | None, now_s: float, after: Bucket, wait_s: float) -> None:
    assert take(bucket, RATE, now_s) == (after, pytest.approx(wait_s))


async def test_limiter_keeps_one_bucket_per_participant_sized_by_role() -> None:
    shared = MemoryBuckets()
    limiter = RateLimiter({"default": Rate(1.0, 1), "platform": Rate(1.0, 2)}, lambda: shared)
    assert await limiter.take("taobao", "platform", 0.0) == 0.0
    assert await limiter.take("taobao", "platform", 0.0) == 0.0
    assert await limiter.take("taobao", "platform", 0.0) == pytest.approx(1.0)
    assert await limiter.take("bureau.hz", "bureau", 0.0) == 0.0  # the default role's rate
    assert await limiter.take("bureau.hz", "bureau", 0.0) == pytest.approx(1.0)
    assert await limiter.take("bureau.sh", "bureau", 0.0) == 0.0  # a bucket of its own


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("default=5/10", (("default", 5.0, 10),)),
        ("default=0.5/1, platform=100/400", (("default", 0.5, 1), ("platform", 100.0, 400))),
    ],
)
def test_rate_limits_setting_is_read(text: str, limits: tuple[Any, ...]) -> None:
    assert Settings.from_environ({"COMPLAINT_HUB_RATE_LIMITS": text}).rate_limits == limits


@pytest.mark.parametrize("text", ["default=5", "default=0/10", "default=5/0", "=1/2", "x"])
def test_rate_limits_setting_refuses_nonsense(text: str) -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_RATE_LIMITS"):
        Settings.from_environ({"COMPLAINT_HUB_RATE_LIMITS": text})


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> web.Application:
    limited = dataclasses.replace(settings, rate_limits=(("default", 1.0, 3),))
    app = create_app(limited)
    app[CLOCK] = clock
    return app


async def test_a_participant_beyond_its_rate_gets_429_with_retry_after(
    enrol: Any, clock: Clock
) -> None:
    hasty = await enrol("bureau.hz", "bureau", regions=("330100",))
    other = await enrol("bureau.sh", "bureau", regions=("310100",))
    for _ in range(3):
        assert (await hasty.request("GET", "/v1/subscriptions")).status == 200
    refused = await hasty.request("GET", "/v1/subscriptions")
    assert refused.status == 429
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["type"].endswith("/too-many-requests")
    # Another participant has a bucket of its own.
    assert (await other.request("GET", "/v1/subscriptions")).status == 200
    clock.now += timedelta(seconds=1)
    assert (await hasty.request("GET", "/v1/subscriptions")).status == 200


async def test_default_rates_are_generous(settings: Settings) -> None:
    limiter = RateLimiter.from_settings(Settings().rate_limits, MemoryBuckets)
    for role in ("platform", "bureau", "association", "operator"):
        assert limiter.rate_for(role).burst >= 1000
        assert limiter.rate_for(role).per_s >= 100
