"""What one delivery carries: the feed item in the standard or the CloudEvents 1.0 envelope.

Both carry `{position, previous_position, event, receipt}`; `previous_position` is the position of
the last event this subscription delivered, so a receiver that never saw it knows it missed one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from hub.crypto.receipts import rfc3339
from hub.store.feed import FeedItem

STANDARD = "standard"
CLOUDEVENTS = "cloudevents"
FORMATS = (STANDARD, CLOUDEVENTS)
CONTENT_TYPES = {STANDARD: "application/json", CLOUDEVENTS: "application/cloudevents+json"}
DEFAULT_SOURCE = "/complaint-hub"


@dataclasses.dataclass(frozen=True)
class Delivery:
    webhook_id: str
    body: bytes
    content_type: str


def webhook_id(subscription_id: str, position: int) -> str:
    """Stable across attempts, so a receiver deduplicates a redelivery by it."""
    return f"{subscription_id}_{position}"


def feed_event(item: FeedItem) -> dict[str, Any]:
    """The event as the feed shows it: the signed envelope plus what the hub added."""
    event: dict[str, Any] = orjson.loads(item.body)
    event.update(actor=item.actor, position=item.position, accepted_at=rfc3339(item.accepted_at))
    return event


def build(
    item: FeedItem,
    *,
    subscription_id: str,
    previous_position: int,
    format: str,
    source: str = DEFAULT_SOURCE,
) -> Delivery:
    data = {
        "position": item.position,
        "previous_position": previous_position,
        "event": feed_event(item),
        "receipt": item.receipt,
    }
    document: dict[str, Any]
    if format == CLOUDEVENTS:
        document = {
            "specversion": "1.0",
            "id": item.event_id,
            "source": source,
            "type": item.type,
            "time": rfc3339(item.accepted_at),
            "subject": item.complaint_id,
            "datacontenttype": "application/json",
            "data": data,
        }
    else:
        document = {"type": item.type, "timestamp": rfc3339(item.accepted_at), "data": data}
    return Delivery(
        webhook_id(subscription_id, item.position), orjson.dumps(document), CONTENT_TYPES[format]
    )
