"""Reports (举报) over webhooks: their readers get them, a platform never does."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from hub.sdk.client import HubClient
from tests.conftest import example
from tests.waiting import eventually
from tests.webhooks.conftest import Receiver, filed


async def _subscribe(hub: HubClient, url: str) -> None:
    await hub.call("POST", "/v1/subscriptions", json={"url": url})


def _report(filed_with: str) -> dict[str, Any]:
    document = example(
        "report.received",
        event_id=str(uuid.uuid4()),
        complaint_id=f"bureau.hz:HZ12315-JB-{uuid.uuid4().hex[:16]}",
    )
    document["data"] = {**document["data"], "filed_with": filed_with}  # type: ignore[dict-item]
    return document


async def _second_receiver() -> Receiver:
    receiver = Receiver()
    await receiver.start()
    return receiver


async def test_a_report_goes_to_enforcement_and_never_to_the_platform(
    app: web.Application, enrol: Any, receiver: Receiver
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    platform = await enrol("platform.taobao", "platform", platform="taobao")
    enforcement = await enrol("enforcement.hz", "enforcement", regions=("330100",))
    enforcement_receiver = await _second_receiver()
    try:
        await _subscribe(platform, receiver.url)
        await _subscribe(enforcement, enforcement_receiver.url)

        complaint = filed()
        await bureau.post_event(complaint)
        report = _report(complaint["complaint_id"])
        await bureau.post_event(report)
        later = filed()
        await bureau.post_event(later)

        await eventually(lambda: len(receiver.received) == 2)
        await eventually(lambda: len(enforcement_receiver.received) == 1)
        platform_saw = [p["data"]["event"]["complaint_id"] for p in receiver.payloads()]
        assert platform_saw == [complaint["complaint_id"], later["complaint_id"]]
        (seen,) = enforcement_receiver.payloads()
        assert seen["data"]["event"]["complaint_id"] == report["complaint_id"]
    finally:
        await enforcement_receiver.stop()
