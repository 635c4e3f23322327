"""Reading complaints: one snapshot, its chain of events, and lists; all by the reader's rights."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.domain.case_state import from_state
from hub.domain.roles import Actor, Role, region_prefix
from hub.domain.scope import reader_scope
from hub.domain.visibility import may_read_case
from hub.http.keys import ACTOR
from hub.problems import BadRequest, NotFound
from hub.records.event_view import shown_event
from hub.services.decisions import actor_of
from hub.services.resources import COMPLAINTS
from hub.store.complaints import ChainEvent, ComplaintFilters, StoredSnapshot

MAX_LIMIT = 500


async def _visible(request: web.Request) -> tuple[Actor, StoredSnapshot]:
    complaint_id = request.match_info["complaint_id"]
    actor = actor_of(request[ACTOR])
    snapshot = await request.app[COMPLAINTS].get(complaint_id)
    # A case the reader may not see is reported exactly like one that does not exist.
    if snapshot is None or not may_read_case(actor, from_state(snapshot.state)):
        raise NotFound(f"no complaint {complaint_id} visible to {actor.participant_id}")
    return actor, snapshot


async def get_complaint(request: web.Request) -> web.Response:
    _, snapshot = await _visible(request)
    return web.json_response(snapshot.public, dumps=_dumps)


def _chain_item(item: ChainEvent, actor: Actor) -> dict[str, Any]:
    event = shown_event(
        item.body, actor=item.actor, position=item.position, accepted_at=item.accepted_at
    )
    shown: dict[str, Any] = {"event": event, "receipt": item.receipt, "flags": item.flags}
    # Evidence that spans many cases (a batch, or a pulled page of a platform's records: a signed
    # response, which covers @status) is shown only to its sender and operators.
    may_see = item.evidence is not None and (
        (item.evidence_complaints <= 1 and '"@status"' not in item.evidence["covered"])
        or actor.role is Role.OPERATOR
        or item.evidence["sender"] == actor.participant_id
    )
    if may_see:
        assert item.evidence is not None
        shown["evidence"] = {**item.evidence, "received_at": rfc3339(item.evidence["received_at"])}
    return shown


async def get_chain(request: web.Request) -> web.Response:
    actor, snapshot = await _visible(request)
    chain = await request.app[COMPLAINTS].chain(snapshot.complaint_id)
    return web.json_response(
        {"complaint_id": snapshot.complaint_id, "events": [_chain_item(i, actor) for i in chain]},
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


def _limit(text: str | None, default: int = 100) -> int:
    try:
        value = int(text) if text else default
    except ValueError as err:
        raise BadRequest(f"limit must be an integer 1..{MAX_LIMIT}") from err
    if not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer 1..{MAX_LIMIT}")
    return value


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
    actor = actor_of(request[ACTOR])
    limit = _limit(request.query.get("limit"))
    items, more = await request.app[COMPLAINTS].list(
        reader_scope(actor),
        _filters(request.query),
        after=_cursor(request.query.get("cursor")),
        limit=limit,
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
