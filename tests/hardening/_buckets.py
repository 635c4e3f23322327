"""The participants' shared buckets in memory, as the pure rule keeps them: a rate limiter's
unit tests need no database."""

from __future__ import annotations

import asyncio
import dataclasses

from hub.http.ratelimit import Bucket, Rate, lease
from hub.store.rate_buckets import Lease


@dataclasses.dataclass
class MemoryBuckets:
    """The shared buckets as the pure rule keeps them, counting the leases asked for."""

    buckets: dict[str, Bucket] = dataclasses.field(default_factory=dict)
    leases: int = 0
    delay_s: float = 0.0

    async def lease(
        self, participant_id: str, now_s: float, per_s: float, burst: int, block: int
    ) -> Lease:
        self.leases += 1
        await asyncio.sleep(self.delay_s)
        bucket, granted, _ = lease(
            self.buckets.get(participant_id), Rate(per_s, burst), now_s, block
        )
        self.buckets[participant_id] = bucket
        return Lease(granted, bucket.tokens)
