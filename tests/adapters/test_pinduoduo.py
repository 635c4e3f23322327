"""Pinduoduo specifics: units by shape, 30-minute windows, 100-item pages, overlap-safe ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.base.contract import PullAdapter, TimeWindow
from adapters.base.errors import AdapterError
from adapters.pinduoduo import create

ADAPTER = create()
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 11, 11, 0, 0, tzinfo=SHANGHAI)


def record(
    after_sales_id: int, status: int = 10, updated: int = 1762830000, **extra: object
) -> dict[str, object]:
    return {
        "id": after_sales_id,
        "order_sn": "230626-434073824910838",
        "after_sales_status": status,
        "after_sales_type": 1,
        "refund_amount": "19.90",
        "updated_time": str(updated),
        **extra,
    }


def page(records: list[dict[str, object]], total: int) -> dict[str, object]:
    return {"refund_increment_get_response": {"total_count": total, "refund_list": records}}


def test_pdd_is_a_pull_adapter() -> None:
    assert isinstance(ADAPTER, PullAdapter)
    assert "pull" in ADAPTER.info.modes


def test_pdd_pull_windows_are_at_most_30_minutes_and_pages_100() -> None:
    request = ADAPTER.pull_request(None, TimeWindow(START, START + timedelta(hours=2)))
    assert request.params["page_size"] == "100"
    assert (
        int(request.params["end_updated_at"]) - int(request.params["start_updated_at"]) == 30 * 60
    )
    assert request.params["start_updated_at"] == str(int(START.timestamp()))
    short = ADAPTER.pull_request(None, TimeWindow(START, START + timedelta(minutes=5)))
    assert int(short.params["end_updated_at"]) - int(short.params["start_updated_at"]) == 5 * 60


def test_pdd_full_page_asks_for_the_next_page_then_the_next_window() -> None:
    window = TimeWindow(START, START + timedelta(hours=1))
    first = ADAPTER.pull_request(None, window)
    full = ADAPTER.parse_pull_page(page([record(n) for n in range(100)], total=150), first)
    assert full.more
    assert full.next_cursor == f"{int(START.timestamp())}:2"
    second = ADAPTER.pull_request(full.next_cursor, window)
    assert second.params["page"] == "2"
    rest = ADAPTER.parse_pull_page(page([record(n) for n in range(100, 150)], total=150), second)
    half_hour = int(START.timestamp()) + 1800
    assert rest.more
    assert rest.next_cursor == f"{half_hour}:1"
    last = ADAPTER.pull_request(rest.next_cursor, window)
    done = ADAPTER.parse_pull_page(page([], total=0), last)
    assert not done.more
    assert done.next_cursor == f"{half_hour + 1800}:1"
    with pytest.raises(ValueError, match="nothing to pull"):
        ADAPTER.pull_request(done.next_cursor, window)


def test_pdd_page_larger_than_asked_is_refused() -> None:
    request = ADAPTER.pull_request(None, TimeWindow(START, START + timedelta(minutes=30)))
    with pytest.raises(AdapterError):
        ADAPTER.parse_pull_page(page([record(n) for n in range(101)], total=101), request)


def test_pdd_overlapping_windows_yield_same_event_ids() -> None:
    # Two polls whose windows overlap both return the record updated in the overlap.
    shared = record(2400123456789, status=4)
    first_poll = [ADAPTER.parse(item, None) for item in (record(1, status=2), shared)]
    second_poll = [ADAPTER.parse(item, None) for item in (shared, record(3, status=10))]
    first_ids = {event.event_id for result in first_poll for event in result.events}
    second_ids = {event.event_id for result in second_poll for event in result.events}
    assert first_ids & second_ids == {event.event_id for event in first_poll[1].events}
    # With the state kept from the first poll, the overlap implies nothing new.
    assert ADAPTER.parse(shared, first_poll[1].state).events == []


def test_pdd_list_and_detail_calls_yield_the_same_event_ids() -> None:
    listed = ADAPTER.parse(record(7, refund_amount="19.90", updated=1762830000), None)
    detailed = ADAPTER.parse(record(7, refund_amount=1990, updated=1762830000456), None)
    assert listed.to_dict()["events"] == detailed.to_dict()["events"]


def test_pdd_three_decimal_amount_is_refused() -> None:
    with pytest.raises(AdapterError) as caught:
        ADAPTER.parse(record(1, refund_amount="19.905"), None)
    assert caught.value.field == "/refund_amount"


def test_pdd_amount_shapes_are_read_by_shape() -> None:
    assert ADAPTER.parse(record(1, refund_amount="123456.78"), None).state["amount_fen"] == 12345678
    assert ADAPTER.parse(record(1, refund_amount=12345678), None).state["amount_fen"] == 12345678
    assert ADAPTER.parse(record(1, refund_amount="0.01"), None).state["amount_fen"] == 1


def test_pdd_platform_handling_then_refund_is_platform_intervened() -> None:
    handling = ADAPTER.parse(record(1, status=8), None)
    refunded = ADAPTER.parse(record(1, status=10, updated=1762833600), handling.state)
    [resolved] = refunded.events
    assert dict(resolved.data)["platform_intervened"] is True


def test_pdd_render_uses_epoch_seconds() -> None:
    event = {
        "event_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "complaint_id": "C-1",
        "version": 2,
        "type": "complaint.routed",
        "occurred_at": "2025-11-11T00:00:00+08:00",
        "data": {"platform": "pinduoduo"},
    }
    assert ADAPTER.render(event, None)["data"]["occurred_at"] == 1762790400
