"""Token buckets per participant: `rate` tokens a second refill a bucket of `burst`; a request
takes one. Pure: the caller passes the time (the injected clock), so a table test covers it.

A bucket refills from the time it was last touched; time that runs backwards (a clock set back)
refills nothing and takes nothing away.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

DEFAULT_ROLE = "default"


@dataclasses.dataclass(frozen=True, slots=True)
class Rate:
    per_s: float  # tokens added a second
    burst: int  # the bucket's size: requests allowed at once after a quiet spell

    def __post_init__(self) -> None:
        if not self.per_s > 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_s > 0 and burst >= 1, not {self}")


@dataclasses.dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated_s: float


def take(bucket: Bucket | None, rate: Rate, now_s: float) -> tuple[Bucket, float]:
    """Take one token at `now_s`: (the bucket after, 0.0) when allowed, else (the bucket after,
    seconds until a token is there). A new bucket starts full."""
    if bucket is None:
        bucket = Bucket(float(rate.burst), now_s)
    elapsed_s = max(0.0, now_s - bucket.updated_s)
    tokens = min(float(rate.burst), bucket.tokens + elapsed_s * rate.per_s)
    updated_s = max(now_s, bucket.updated_s)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, updated_s), 0.0
    return Bucket(tokens, updated_s), (1.0 - tokens) / rate.per_s


class RateLimiter:
    """One bucket per participant, sized by its role's rate (or the default role's)."""

    def __init__(self, rates: Mapping[str, Rate]) -> None:
        if DEFAULT_ROLE not in rates:
            raise ValueError(f"rates must name a {DEFAULT_ROLE!r} role")
        self._rates = dict(rates)
        self._buckets: dict[str, Bucket] = {}

    @classmethod
    def from_settings(cls, limits: Iterable[tuple[str, float, int]]) -> RateLimiter:
        rates = {DEFAULT_ROLE: Rate(200.0, 2000)}
        rates.update({role: Rate(per_s, burst) for role, per_s, burst in limits})
        return cls(rates)

    def rate_for(self, role: str) -> Rate:
        return self._rates.get(role, self._rates[DEFAULT_ROLE])

    def take(self, participant_id: str, role: str, now_s: float) -> float:
        """0.0 when the participant may go on, else the seconds to wait."""
        bucket, wait_s = take(self._buckets.get(participant_id), self.rate_for(role), now_s)
        self._buckets[participant_id] = bucket
        return wait_s
