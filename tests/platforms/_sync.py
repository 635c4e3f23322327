"""Shared pieces of the platform end-to-end tests: a clock to move by hand, a routed case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.sdk.client import HubClient
from tests.api._lifecycle import event, new_complaint_id

MERCHANT = {"name": "杭州示例数码专营店有限公司", "uscc": "91330106MA2CFT7E8D"}


class Clock:
    """The hub worker's and the simulators' shared clock; tests move it forward."""

    def __init__(self, start: datetime | None = None) -> None:
        # A minute ahead of the wall clock: keys registered during the test are valid by then.
        self.now = start or datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=60)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 60) -> None:
        self.now += timedelta(seconds=seconds)


async def routed_case(bureau: HubClient, platform: str, order_id: str, amount_fen: int) -> str:
    """A complaint filed by the bureau against a merchant on `platform`, accepted and routed."""
    complaint_id = new_complaint_id()
    steps = [
        event(
            "complaint.filed",
            complaint_id,
            1,
            respondent={"platform": platform, "merchant": MERCHANT},
            order={"order_id": order_id, "signed_for_on": "2026-11-11"},
            goods=[{"name": "无线降噪耳机 黑色", "quantity": 1, "amount_fen": amount_fen}],
            demand={"kind": "refund", "amount_fen": amount_fen},
        ),
        event("complaint.accepted", complaint_id, 2, handling_bureau="bureau.hz"),
        event("complaint.routed", complaint_id, 3, platform=platform),
    ]
    for step in steps:
        await bureau.post_event(step)
    return complaint_id
