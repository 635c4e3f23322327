"""What is special about Kuaishou: millisecond times refused before 2000, fen amounts."""

from __future__ import annotations

import pytest

from adapters.base.errors import AdapterError
from adapters.kuaishou import create

ADAPTER = create()
RECORD = {
    "refundId": 2101234567890123,
    "oid": 6932458127345678901,
    "status": 10,
    "handlingWay": 10,
    "refundFee": 4990,
    "createTime": 1762790400000,
}


@pytest.mark.parametrize("millis", [946655999999, 1594000000, 0])
def test_kuaishou_time_before_2000_is_refused(millis: int) -> None:
    with pytest.raises(AdapterError) as caught:
        ADAPTER.parse({**RECORD, "createTime": millis}, None)
    assert caught.value.field == "/createTime"


def test_kuaishou_milliseconds_are_kept_and_midnight_stays_on_the_shanghai_date() -> None:
    assert ADAPTER.parse(RECORD, None).state["updated_at"] == "2025-11-11T00:00:00+08:00"
    assert (
        ADAPTER.parse({**RECORD, "updateTime": 1762790400007}, None).state["updated_at"]
        == "2025-11-11T00:00:00.007+08:00"
    )


def test_kuaishou_intervention_statuses_then_success() -> None:
    intervened = ADAPTER.parse({**RECORD, "status": 21}, None)
    succeeded = ADAPTER.parse(
        {**RECORD, "status": 60, "updateTime": 1762876800000}, intervened.state
    )
    [resolved] = succeeded.events
    assert dict(resolved.data) == {
        "resolution": "refund",
        "amount_fen": 4990,
        "platform_intervened": True,
    }


def test_kuaishou_render_uses_milliseconds_and_camel_case() -> None:
    event = {
        "event_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "complaint_id": "C-1",
        "version": 2,
        "type": "complaint.resolved",
        "occurred_at": "2025-11-11T00:00:00.250+08:00",
        "data": {"resolution": "refund", "amount_fen": 1, "platform_intervened": False},
    }
    rendered = ADAPTER.render(event, None)
    assert rendered["event"] == "ComplaintHubComplaintResolved"
    assert rendered["data"]["occurredAt"] == 1762790400250
    assert rendered["data"]["amountFen"] == 1
