"""/ops shows times in the zone the hub's deadlines, the demo and the reports use, and names it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.ops.page.render import _when
from tests.ops_page.conftest import login


def test_a_time_is_shown_in_shanghai_and_keeps_its_instant() -> None:
    shown = _when("2026-11-11T16:00:05+00:00")
    assert shown == '<time datetime="2026-11-11T16:00:05+00:00">2026-11-12 00:00:05</time>'


async def test_the_page_names_its_zone(client: TestClient, operator: str) -> None:
    await login(client)
    page = await (await client.get("/ops")).text()
    assert "(times in Asia/Shanghai, UTC+8)" in page
    assert "UTC)" not in page
