"""The native path: a platform pushes its own records and reads its feed in its own format."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.base.contract import Adapter
from hub.api.events import appended_json
from hub.http.body import parse_json
from hub.http.keys import ACTOR, EVIDENCE, RAW_BODY
from hub.platforms.resources import ADAPTERS, NATIVE_FEED, PLATFORM_INGEST
from hub.problems import BadRequest, Forbidden, NotFound, Problem
from hub.store.events import Appended

MAX_LIMIT = 500


def _adapter(request: web.Request) -> Adapter:
    code = request.match_info["platform"]
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
    payload = parse_json(request[RAW_BODY], request.content_type)
    # The ingest service refuses (403) any signer but the adapter's own platform.
    outcome = await request.app[PLATFORM_INGEST].ingest(
        adapter,
        request[ACTOR],
        payload,
        request[EVIDENCE],
        complaint_id=request.query.get("complaint_id") or None,
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
        problem = Problem(refusal.detail, **{**refusal.extensions, **body})
        problem.slug, problem.title, problem.status = (  # type: ignore[misc]
            refusal.slug,
            refusal.title,
            refusal.status,
        )
        raise problem
    return web.json_response(body, status=201 if outcome.created else 200)


def _int_query(request: web.Request, name: str, default: int, maximum: int | None = None) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError as err:
        raise BadRequest(f"{name} must be an integer") from err
    if value < 0 or (maximum is not None and not 1 <= value <= maximum):
        raise BadRequest(f"{name} out of range" + (f" (1..{maximum})" if maximum else ""))
    return value


async def get_native_feed(request: web.Request) -> web.Response:
    adapter = _adapter(request)
    participant = request[ACTOR]
    own = participant.role == "platform" and participant.platform == adapter.info.code
    if not (own or participant.role == "operator"):
        raise Forbidden(
            "not-platform-owner", f"only the platform {adapter.info.code} reads this feed"
        )
    page = await request.app[NATIVE_FEED].read(
        adapter,
        after=_int_query(request, "after", 0),
        limit=_int_query(request, "limit", 100, MAX_LIMIT),
    )
    return web.json_response({"items": page.items, "next": page.next, "more": page.more})
