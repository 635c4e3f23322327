"""Token buckets per participant: `rate` tokens a second refill a bucket of `burst`; a request
takes one. The rule is pure (`lease`, `take`: the caller passes the time, the injected clock's),
so a table test covers it.

A bucket refills from the time it was last touched; time that runs backwards (a clock set back)
refills nothing and takes nothing away.

One bucket per participant is kept in the database, shared by every worker and replica, so that
N processes together hold the documented rate instead of N times it. A database round trip per
request would cost more than the rest of the edge, so a process does not take one token there
at a time: it leases a block of them (`Rate.block`, a twentieth of a second's worth, at most a
quarter of the burst) with one UPDATE ... RETURNING, and spends them from memory. Tokens leased
are taken from the shared bucket before they are spent, so over any window a participant gets
at most burst + rate x window, plus at most one block per process leased but not yet spent; a
process whose block is still unspent while another is refused is the price, and a block is
small enough for that to be short. A refusal says how long until the next token, and the
process refuses locally until then, so a runaway client costs no round trip per request.

The alternative, each process taking rate / N with N read from the processes' heartbeats, costs
no round trip at all but holds the rate only when the load is spread evenly over the processes:
the kernel spreads connections, not requests, and one participant on one keep-alive connection
would get a Nth of its rate. Leasing follows the load wherever it lands.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from aiohttp import web

from hub.store.rate_buckets import Lease, RateBucketStore
from hub.store.resources import POOL

DEFAULT_ROLE = "default"
# A lease is 1/LEASES_PER_S of a second's rate: a block per process at most may be leased but
# unspent (the tolerance over the rate), and one round trip buys a block of requests.
LEASES_PER_S = 20


@dataclasses.dataclass(frozen=True, slots=True)
class Rate:
    per_s: float  # tokens added a second
    burst: int  # the bucket's size: requests allowed at once after a quiet spell

    def __post_init__(self) -> None:
        if not self.per_s > 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_s > 0 and burst >= 1, not {self}")

    @property
    def block(self) -> int:
        """The tokens a process leases at once: a twentieth of a second's rate, at most a quarter
        of the burst (so one process cannot hold what the others need), and at least one."""
        return max(1, min(self.burst // 4, math.ceil(self.per_s / LEASES_PER_S)))


@dataclasses.dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated_s: float


def lease(bucket: Bucket | None, rate: Rate, now_s: float, block: int) -> tuple[Bucket, int, float]:
    """Take up to `block` whole tokens at `now_s`: (the bucket after, tokens taken, 0.0), or when
    none is there (the bucket after, 0, seconds until one is). A new bucket starts full.

    hub/store/rate_buckets.py repeats this in SQL; a table test holds the two together."""
    if bucket is None:
        bucket = Bucket(float(rate.burst), now_s)
    elapsed_s = max(0.0, now_s - bucket.updated_s)
    tokens = min(float(rate.burst), bucket.tokens + elapsed_s * rate.per_s)
    updated_s = max(now_s, bucket.updated_s)
    granted = min(block, math.floor(tokens))
    if granted >= 1:
        return Bucket(tokens - granted, updated_s), granted, 0.0
    return Bucket(tokens, updated_s), 0, (1.0 - tokens) / rate.per_s


def take(bucket: Bucket | None, rate: Rate, now_s: float) -> tuple[Bucket, float]:
    """Take one token at `now_s`: (the bucket after, 0.0) when allowed, else (the bucket after,
    seconds until a token is there)."""
    after, _, wait_s = lease(bucket, rate, now_s, 1)
    return after, wait_s


class SharedBuckets(Protocol):
    """Where the buckets every process shares are kept (hub/store/rate_buckets.py)."""

    async def lease(
        self, participant_id: str, now_s: float, per_s: float, burst: int, block: int
    ) -> Lease: ...


def database_buckets(app: web.Application) -> Callable[[], SharedBuckets]:
    """The buckets in the app's database, for a limiter built with the app: the pool opens
    later, at start-up, and is looked up at the first lease."""
    return lambda: RateBucketStore(app[POOL])


@dataclasses.dataclass(slots=True)
class _Leased:
    """What this process holds of one participant's bucket."""

    tokens: int = 0
    refused_until_s: float = float("-inf")
    # One lease at a time per participant: concurrent requests that find no token wait for it.
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)


class RateLimiter:
    """One shared bucket per participant, sized by its role's rate (or the default role's),
    spent from the blocks this process leased."""

    def __init__(self, rates: Mapping[str, Rate], buckets: Callable[[], SharedBuckets]) -> None:
        """`buckets` is called once, at the first lease: the database pool opens after the app
        is built."""
        if DEFAULT_ROLE not in rates:
            raise ValueError(f"rates must name a {DEFAULT_ROLE!r} role")
        self._rates = dict(rates)
        self._open_buckets = buckets
        self._buckets: SharedBuckets | None = None
        self._leased: dict[str, _Leased] = {}

    @classmethod
    def from_settings(
        cls, limits: Iterable[tuple[str, float, int]], buckets: Callable[[], SharedBuckets]
    ) -> RateLimiter:
        rates = {DEFAULT_ROLE: Rate(200.0, 2000)}
        rates.update({role: Rate(per_s, burst) for role, per_s, burst in limits})
        return cls(rates, buckets)

    def rate_for(self, role: str) -> Rate:
        return self._rates.get(role, self._rates[DEFAULT_ROLE])

    async def take(self, participant_id: str, role: str, now_s: float) -> float:
        """0.0 when the participant may go on, else the seconds to wait."""
        leased = self._leased.get(participant_id)
        if leased is None:
            leased = self._leased[participant_id] = _Leased()
        if leased.tokens:  # the path of nearly every request: no await, no round trip
            leased.tokens -= 1
            return 0.0
        if now_s < leased.refused_until_s:
            return leased.refused_until_s - now_s
        async with leased.lock:
            if leased.tokens:  # leased meanwhile by a request that waited less
                leased.tokens -= 1
                return 0.0
            if now_s < leased.refused_until_s:
                return leased.refused_until_s - now_s
            rate = self.rate_for(role)
            if self._buckets is None:
                self._buckets = self._open_buckets()
            got = await self._buckets.lease(
                participant_id, now_s, rate.per_s, rate.burst, rate.block
            )
            if got.granted == 0:
                wait_s = (1.0 - got.tokens) / rate.per_s
                leased.refused_until_s = now_s + wait_s
                return wait_s
            leased.tokens = got.granted - 1
            return 0.0
