"""Reading complaints: one snapshot, its chain of events, and lists; all by the reader's rights."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.domain.categories import Level1
from hub.domain.lifecycle import Status
from hub.domain.roles import actor_of, region_prefix
from hub.http.keys import ACTOR
from hub.http.query import (
    COMPLAINT_ID,
    PLATFORM,
    datetime_param,
    int_param,
    parse_datetime,
    path_param,
    str_param,
)
from hub.problems import BadRequest
from hub.records.event_view import shown_event
from hub.services.complaints import list_visible, read_chain, read_complaint
from hub.services.resources import COMPLAINT_LISTS, COMPLAINTS
from hub.store.complaints import ChainEvent, ComplaintFilters, StoredSnapshot
from hub.vault.resources import MASTER_KEYS

MAX_LIMIT = 500


_STATUSES = frozenset(Status)
_CATEGORIES = frozenset(Level1)
_REGION = re.compile(r"[0-9]{6}")


def complaint_id_param(request: web.Request) -> str:
    return path_param(request, "complaint_id", COMPLAINT_ID, "complaint")


async def get_complaint(request: web.Request) -> web.Response:
    snapshot = await read_complaint(
        request.app[COMPLAINTS], actor_of(request[ACTOR]), complaint_id_param(request)
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
        request.app[COMPLAINTS],
        actor_of(request[ACTOR]),
        complaint_id_param(request),
        keys=request.app[MASTER_KEYS],
    )
    return web.json_response(
        {"complaint_id": snapshot.complaint_id, "events": [_chain_item(i) for i in chain]},
        dumps=_dumps,
    )


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text:
        return None
    refused = BadRequest("cursor is not one this hub issued; start without it", parameter="cursor")
    try:
        decoded = base64.urlsafe_b64decode(text.encode("ascii")).decode()
    except ValueError as err:  # not ASCII, not base64, not UTF-8
        raise refused from err
    moment, _, complaint_id = decoded.partition("|")
    if COMPLAINT_ID.fullmatch(complaint_id) is None:
        raise refused
    try:
        return parse_datetime(moment, "cursor"), complaint_id
    except BadRequest as err:
        raise refused from err


def _next_cursor(last: StoredSnapshot) -> str:
    raw = f"{last.updated_at.isoformat()}|{last.complaint_id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _filters(request: web.Request) -> ComplaintFilters:
    region = str_param(request, "region")
    if region is not None and _REGION.fullmatch(region) is None:
        raise BadRequest("region must be a six-digit GB/T 2260 code", parameter="region")
    return ComplaintFilters(
        status=str_param(request, "status", choices=_STATUSES),
        respondent_platform=str_param(request, "respondent_platform", pattern=PLATFORM),
        region=region_prefix(region) if region else None,
        category=str_param(request, "category", choices=_CATEGORIES),
        updated_after=datetime_param(request, "updated_after"),
    )


async def list_complaints(request: web.Request) -> web.Response:
    items, more = await list_visible(
        request.app[COMPLAINT_LISTS],
        actor_of(request[ACTOR]),
        _filters(request),
        after=_cursor(str_param(request, "cursor")),
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
