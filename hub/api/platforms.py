"""The native path: a platform pushes its own records and reads its feed in its own format."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.base.contract import Adapter
from hub.api.events import appended_json
from hub.domain.native_access import may_read_native_feed
from hub.domain.roles import actor_of
from hub.http.body import request_json
from hub.http.keys import ACTOR, EVIDENCE
from hub.http.query import BIGINT_MAX, COMPLAINT_ID, PLATFORM, int_param, path_param, str_param
from hub.platforms.resources import ADAPTERS, NATIVE_FEED, PLATFORM_INGEST
from hub.problems import Forbidden, NotFound, Problem, Restated
from hub.store.events import Appended

MAX_LIMIT = 500


def _adapter(request: web.Request) -> Adapter:
    code = path_param(request, "platform", PLATFORM, "platform")
    adapter = request.app[ADAPTERS].get(code)
    if adapter is None:
        raise NotFound(f"no adapter for platform {code}")
    return adapter


def _result_json(result: Appended | Problem) -> dict[str, Any]:
    if isinstance(result, Appended):
        return appended_json(result)
    return result.body(None)


async def post_inbound(request: web.Request) -> web.Response:
    adapter = _adapter(request)
    payload = request_json(request)
    # The ingest service refuses (403) any signer but the adapter's own platform.
    outcome = await request.app[PLATFORM_INGEST].ingest(
        adapter,
        request[ACTOR],
        payload,
        request[EVIDENCE],
        complaint_id=str_param(request, "complaint_id", pattern=COMPLAINT_ID),
    )
    body: dict[str, Any] = {
        "native_ref": outcome.native_ref.to_dict(),
        "complaint_id": outcome.complaint_id,
        "results": [_result_json(r) for r in outcome.results],
    }
    if outcome.superseded:
        body["superseded"] = True
    refusal = outcome.refusal
    if refusal is not None:
        # The record was not applied (its native state is not kept): answer with the refusal
        # that stopped it, listing every event's outcome, so a fixed re-push is safe.
        raise Restated(refusal, **body)
    return web.json_response(body, status=201 if outcome.created else 200)


async def get_native_feed(request: web.Request) -> web.Response:
    adapter = _adapter(request)
    if not may_read_native_feed(actor_of(request[ACTOR]), adapter.info.code):
        raise Forbidden(
            "not-platform-owner", f"only the platform {adapter.info.code} reads this feed"
        )
    page = await request.app[NATIVE_FEED].read(
        adapter,
        after=int_param(request, "after", default=0, minimum=0, maximum=BIGINT_MAX),
        limit=int_param(request, "limit", default=100, minimum=1, maximum=MAX_LIMIT),
    )
    return web.json_response({"items": page.items, "next": page.next, "more": page.more})
