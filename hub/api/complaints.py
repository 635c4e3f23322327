"""Reading complaints: one snapshot, its chain of events, and lists; all by the reader's rights."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.domain.roles import region_prefix
from hub.http.keys import ACTOR
from hub.http.query import int_param
from hub.problems import BadRequest
from hub.records.event_view import shown_event
from hub.services.complaints import list_visible, read_chain, read_complaint
from hub.services.decisions import actor_of
from hub.services.resources import COMPLAINTS
from hub.store.complaints import ChainEvent, ComplaintFilters, StoredSnapshot

MAX_LIMIT = 500


async def get_complaint(request: web.Request) -> web.Response:
    snapshot = await read_complaint(
        request.app[COMPLAINTS], actor_of(request[ACTOR]), request.match_info["complaint_id"]
    )
    return web.json_response(snapshot.public, dumps=_dumps)


def _chain_item(item: ChainEvent) -> dict[str, Any]:
    event = shown_event(
        item.body, actor=item.actor, position=item.position, accepted_at=item.accepted_at
    )
    shown: dict[str, Any] = {"event": event, "receipt": item.receipt, "flags": item.flags}
    # The service has already removed the evidence this reader may not see.
    if item.evidence is not None:
        shown["evidence"] = {**item.evidence, "received_at": rfc3339(item.evidence["received_at"])}
    return shown


async def get_chain(request: web.Request) -> web.Response:
    snapshot, chain = await read_chain(
        request.app[COMPLAINTS], actor_of(request[ACTOR]), request.match_info["complaint_id"]
    )
    return web.json_response(
        {"complaint_id": snapshot.complaint_id, "events": [_chain_item(i) for i in chain]},
        dumps=_dumps,
    )


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text:
        return None
    try:
        moment, _, complaint_id = base64.urlsafe_b64decode(text.encode()).decode().partition("|")
        return datetime.fromisoformat(moment), complaint_id
    except ValueError as err:
        raise BadRequest("cursor is not one this hub issued; start without it") from err


def _next_cursor(last: StoredSnapshot) -> str:
    raw = f"{last.updated_at.isoformat()}|{last.complaint_id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _filters(query: Any) -> ComplaintFilters:
    updated_after = query.get("updated_after")
    try:
        moment = datetime.fromisoformat(updated_after) if updated_after else None
    except ValueError as err:
        raise BadRequest("updated_after must be an RFC 3339 time with offset") from err
    if moment is not None and moment.tzinfo is None:
        raise BadRequest("updated_after must carry an offset")
    region = query.get("region")
    if region is not None and not (len(region) == 6 and region.isdigit()):
        raise BadRequest("region must be a six-digit GB/T 2260 code")
    return ComplaintFilters(
        status=query.get("status"),
        respondent_platform=query.get("respondent_platform"),
        region=region_prefix(region) if region else None,
        category=query.get("category"),
        updated_after=moment,
    )


async def list_complaints(request: web.Request) -> web.Response:
    items, more = await list_visible(
        request.app[COMPLAINTS],
        actor_of(request[ACTOR]),
        _filters(request.query),
        after=_cursor(request.query.get("cursor")),
        limit=int_param(request, "limit", default=100, minimum=1, maximum=MAX_LIMIT),
    )
    return web.json_response(
        {
            "items": [s.public for s in items],
            "next": _next_cursor(items[-1]) if more and items else None,
        },
        dumps=_dumps,
    )


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
