"""Webhook subscriptions: create, list, read, delete, replay; each owned by its creator.

A subscription another participant owns is reported exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.crypto.receipts import rfc3339
from hub.domain.lifecycle import EventType
from hub.feeds.webhooks.payload import FORMATS, STANDARD
from hub.feeds.webhooks.resources import SUBSCRIPTIONS, WEBHOOK_GUARD, WEBHOOK_WORKER
from hub.http.body import read_json
from hub.http.keys import ACTOR
from hub.http.query import BIGINT_MAX, SUBSCRIPTION_ID, path_param
from hub.problems import BadRequest, InvalidRecord, NotFound
from hub.records.validate import member_shown
from hub.services import subscriptions as service
from hub.services.subscriptions import SubscriptionRequest
from hub.store.subscriptions import Subscription
from hub.vault.resources import MASTER_KEYS

_MEMBERS = frozenset({"url", "types", "format", "after"})
_TYPES = frozenset(t.value for t in EventType)


def _shown(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "types": list(subscription.event_types) if subscription.event_types is not None else None,
        "format": subscription.format,
        "state": subscription.state,
        "delivered_position": subscription.delivered_position,
        "attempts": subscription.attempts,
        "next_attempt_at": rfc3339(subscription.next_attempt_at)
        if subscription.next_attempt_at
        else None,
        "last_status": subscription.last_status,
        "last_error": subscription.last_error,
        "created_at": rfc3339(subscription.created_at),
    }


def _request(document: Any) -> SubscriptionRequest:
    if not isinstance(document, dict):
        raise InvalidRecord("the body must be an object with url, and perhaps types and format")
    unknown = sorted(set(document) - _MEMBERS)
    if unknown:
        shown = dict.fromkeys(member_shown(name) for name in unknown[:5])
        raise InvalidRecord(f"unknown members: {', '.join(shown)}")
    url = document.get("url")
    if not isinstance(url, str) or not url:
        raise InvalidRecord("url must be a non-empty string")
    types = document.get("types")
    if types is not None:
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            raise InvalidRecord("types must be a non-empty list of event types, or absent")
        unknown_types = sorted(set(types) - _TYPES)
        if unknown_types:
            raise InvalidRecord(f"unknown event types: {', '.join(unknown_types)}")
        types = tuple(sorted(set(types)))
    format = document.get("format", STANDARD)
    if format not in FORMATS:
        raise InvalidRecord(f"format must be one of {', '.join(FORMATS)}")
    after = document.get("after")
    if after is not None and (
        not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= BIGINT_MAX
    ):
        raise InvalidRecord("after must be a feed position (an integer >= 0), or absent")
    return SubscriptionRequest(url, types, format, after)


async def create_subscription(request: web.Request) -> web.Response:
    subscription, secret = await service.create_subscription(
        request.app[SUBSCRIPTIONS],
        request.app[WEBHOOK_GUARD],
        request.app[MASTER_KEYS].keys,
        request[ACTOR].participant_id,
        _request(await read_json(request)),
    )
    # The secret is shown this once; the hub keeps it only sealed.
    return web.json_response({**_shown(subscription), "secret": secret}, status=201)


async def list_subscriptions(request: web.Request) -> web.Response:
    items = await request.app[SUBSCRIPTIONS].list(request[ACTOR].participant_id)
    return web.json_response({"items": [_shown(s) for s in items]})


def _id(request: web.Request) -> str:
    return path_param(request, "subscription_id", SUBSCRIPTION_ID, "subscription")


def _not_found(request: web.Request) -> NotFound:
    return NotFound(f"no subscription {_id(request)} of {request[ACTOR].participant_id}")


async def get_subscription(request: web.Request) -> web.Response:
    found = await request.app[SUBSCRIPTIONS].get(_id(request), request[ACTOR].participant_id)
    if found is None:
        raise _not_found(request)
    return web.json_response(_shown(found))


async def delete_subscription(request: web.Request) -> web.Response:
    if not await request.app[SUBSCRIPTIONS].delete(_id(request), request[ACTOR].participant_id):
        raise _not_found(request)
    return web.Response(status=204)


async def replay_subscription(request: web.Request) -> web.Response:
    if request.can_read_body and await request.read():
        raise BadRequest("replay takes no body: it resumes where delivery stopped")
    found = await request.app[SUBSCRIPTIONS].replay(_id(request), request[ACTOR].participant_id)
    if found is None:
        raise _not_found(request)
    request.app[WEBHOOK_WORKER].wake()
    return web.json_response(_shown(found))
