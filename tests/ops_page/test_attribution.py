"""A refusal is charged to the participant whose key the request named, where the hub knows the
key, even when the key no longer authenticates anyone (revoked); only an unknown key stays
unattributed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from hub.ops.page.resources import OPS_STORE, REQUEST_RECORDER
from hub.trust.resources import PARTICIPANTS
from tests.ops_page.conftest import Clock


async def test_a_request_with_a_revoked_key_counts_on_its_owners_row(
    app: web.Application, enrol: Any, clock: Clock
) -> None:
    hub = await enrol("taobao", "platform", platform="taobao")
    await app[PARTICIPANTS].revoke_key(hub.kid, "rotated")
    refused = await hub.request("GET", "/v1/feed")
    assert refused.status == 401, refused.body
    stranger = await enrol("jd", "platform", platform="jd")
    stranger.kid = "nobody-knows-this-kid"
    assert (await stranger.request("GET", "/v1/feed")).status == 401
    await app[REQUEST_RECORDER].flush(app[OPS_STORE])
    counts = await app[OPS_STORE].reject_counts(clock() - timedelta(hours=1))
    assert counts["taobao"] == {"key-revoked": 1}
    assert counts[None] == {"unknown-key": 1}
