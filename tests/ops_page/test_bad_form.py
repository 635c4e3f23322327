"""A form the hub cannot read (a broken multipart body, an unknown charset) is a 400 problem."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from hub.problems import CONTENT_TYPE
from tests.ops_page.conftest import login

UNREADABLE = [
    (b"\xff\xfe=1", "multipart/form-data; boundary=x"),
    (b"--x\r\nno headers end", "multipart/form-data; boundary=x"),
    (b"csrf=abc", "application/x-www-form-urlencoded; charset=no-such-charset"),
]
IDS = ["multipart-garbage", "multipart-cut-short", "unknown-charset"]


@pytest.mark.parametrize(("body", "content_type"), UNREADABLE, ids=IDS)
@pytest.mark.parametrize("path", ["/ops/login", "/ops/actions/sync/pinduoduo/pause"])
async def test_an_unreadable_form_is_a_bad_request(
    client: TestClient, operator: str, path: str, body: bytes, content_type: str
) -> None:
    await login(client)
    response = await client.post(
        path, data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    assert response.status == 400, await response.text()
    assert response.content_type == CONTENT_TYPE
    problem = await response.json(content_type=CONTENT_TYPE)
    assert "form" in problem["detail"]
