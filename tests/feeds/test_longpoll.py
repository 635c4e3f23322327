"""Long-poll: a waiting GET /v1/feed wakes on a commit (LISTEN/NOTIFY) and times out cleanly."""

from __future__ import annotations

import asyncio
import time
import uuid

from tests.feeds._cast import file_with_notes, filed, note


def _cid() -> str:
    return f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"


async def test_waiting_reader_wakes_within_a_second_of_a_commit(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    operator = await enrol("operator.hub", "operator")
    await file_with_notes(bureau, _cid(), 1)  # positions 1, 2

    for round_number in range(3):
        after = 2 + round_number
        waiting = asyncio.create_task(operator.get_feed(after=after, wait=20))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        complaint_id = _cid()
        await bureau.post_event(filed(complaint_id))
        committed = time.perf_counter()
        page = await waiting
        latency_s = time.perf_counter() - committed
        assert [i["event"]["complaint_id"] for i in page["items"]] == [complaint_id]
        assert page["next"] == after + 1
        # Woken by the commit, not by the 20 s wait running out (a loose bound: slow machines).
        assert latency_s < 10.0, latency_s


async def test_wait_runs_out_with_an_empty_page_and_the_same_cursor(enrol) -> None:
    operator = await enrol("operator.hub", "operator")
    started = time.perf_counter()
    page = await operator.get_feed(after=0, wait=1)
    elapsed_s = time.perf_counter() - started
    assert page == {"items": [], "next": 0}
    assert 0.9 <= elapsed_s < 10.0


async def test_filtered_reader_keeps_waiting_through_invisible_commits(enrol) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    waiting = asyncio.create_task(taobao.get_feed(after=0, wait=20))
    await asyncio.sleep(0.2)
    jd_case, taobao_case = _cid(), _cid()
    await bureau.post_event(filed(jd_case, platform="jd"))
    await bureau.post_event(note(jd_case, 2))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # the jd case is not taobao's business
    await bureau.post_event(filed(taobao_case))
    page = await asyncio.wait_for(waiting, 5)
    assert [i["event"]["complaint_id"] for i in page["items"]] == [taobao_case]
    assert page["next"] == 3
