"""GET /v1/feed: cursor pull in position order, filtered by type, complaint and reader's rights."""

from __future__ import annotations

import uuid

import pytest

from hub.sdk.client import HubClient, HubError
from hub.sdk.cursor import FileCursorStore
from tests.feeds._cast import file_with_notes


def _cid() -> str:
    return f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"


async def _pull_all(reader: HubClient, **params: object) -> tuple[list[dict], int]:
    items: list[dict] = []
    cursor = 0
    while True:
        page = await reader.get_feed(after=cursor, **params)  # type: ignore[arg-type]
        items.extend(page["items"])
        if page["next"] == cursor:
            return items, cursor
        cursor = page["next"]


async def test_operator_pulls_every_event_in_position_order_with_receipts(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    positions = await file_with_notes(bureau, _cid(), 4)
    positions += await file_with_notes(bureau, _cid(), 2, platform="jd")

    items, cursor = await _pull_all(operator, limit=3)

    assert [i["position"] for i in items] == positions == list(range(1, 9))
    assert cursor == 8
    first = items[0]
    assert first["event"]["type"] == "complaint.filed"
    assert first["event"]["actor"] == "bureau.hz"
    assert first["event"]["position"] == 1
    assert first["event"]["accepted_at"].endswith("Z")
    payload = await operator.verify_feed_item(first)
    assert payload["position"] == 1


async def test_platform_sees_only_the_cases_about_it(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    taobao_case, jd_case = _cid(), _cid()
    await file_with_notes(bureau, taobao_case, 2, platform="taobao")
    await file_with_notes(bureau, jd_case, 3, platform="jd")

    items, cursor = await _pull_all(taobao)

    assert {i["event"]["complaint_id"] for i in items} == {taobao_case}
    assert len(items) == 3
    assert cursor == 7  # past the jd case's positions too, so they are never scanned again


async def test_next_advances_past_filtered_items_so_a_reader_never_rescans(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    await file_with_notes(bureau, _cid(), 5, platform="jd")

    page = await taobao.get_feed(after=0)

    assert page == {"items": [], "next": 6}
    assert (await taobao.get_feed(after=6)) == {"items": [], "next": 6}


async def test_limit_stops_at_the_last_item_returned(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    await file_with_notes(bureau, _cid(), 1, platform="jd")  # 1, 2
    mine = await file_with_notes(bureau, _cid(), 3, platform="taobao")  # 3..6

    page = await taobao.get_feed(after=0, limit=2)

    assert [i["position"] for i in page["items"]] == mine[:2]
    assert page["next"] == mine[1]


async def test_types_and_complaint_filters(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    first, second = _cid(), _cid()
    await file_with_notes(bureau, first, 2)
    await file_with_notes(bureau, second, 2)

    filings, _ = await _pull_all(operator, types="complaint.filed")
    assert [i["event"]["complaint_id"] for i in filings] == [first, second]

    notes_of_second, _ = await _pull_all(operator, types="case.note_added", complaint=second)
    assert [i["event"]["version"] for i in notes_of_second] == [2, 3]


async def test_bad_parameters_are_problems(enrol) -> None:
    operator = await enrol("operator.hub", "operator")
    for params in ({"limit": 0}, {"limit": 1001}, {"wait": 61}, {"after": "x"}, {"wait": -1}):
        with pytest.raises(HubError) as refused:
            await operator.call("GET", "/v1/feed", params=params)
        assert refused.value.status == 400, params
        assert refused.value.slug == "bad-request"


async def test_follow_feed_verifies_receipts_and_keeps_a_durable_cursor(enrol, tmp_path) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    await file_with_notes(bureau, _cid(), 4)  # positions 1..5
    cursor = FileCursorStore(tmp_path / "feed.cursor")

    seen = []
    async for item in operator.follow_feed(cursor_store=cursor, wait=1):
        seen.append(item["position"])
        if len(seen) == 3:
            break
    assert seen == [1, 2, 3]
    assert cursor.load() == 2  # the third was handed out but not yet finished with

    resumed = []
    async for item in operator.follow_feed(cursor_store=cursor, wait=1):
        resumed.append(item["position"])
        if item["position"] == 5:
            break
    assert resumed == [3, 4, 5]
