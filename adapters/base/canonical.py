"""Canonical event shapes (docs/canonical-record.md) as data, and a structural check."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from adapters.base.convert import MAX_SAFE_INTEGER, is_int, parse_rfc3339
from adapters.base.errors import AdapterError

COMPLAINT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
ENVELOPE_KEYS = frozenset({"event_id", "complaint_id", "version", "type", "occurred_at", "data"})

# type -> (required data keys, optional data keys), per docs/canonical-record.md.
DATA_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "complaint.filed": (
        frozenset(
            {
                "channel",
                "received_at",
                "region",
                "respondent",
                "goods",
                "category",
                "demand",
                "personal_ref",
                "personal_commitment",
                "consents",
            }
        ),
        frozenset({"order"}),
    ),
    "complaint.accepted": (frozenset(), frozenset({"handling_bureau"})),
    "complaint.rejected": (frozenset({"ground"}), frozenset()),
    "complaint.routed": (frozenset({"platform"}), frozenset()),
    "complaint.acknowledged": (frozenset(), frozenset()),
    "complaint.offer_made": (frozenset({"offer_id", "kind", "amount_fen"}), frozenset()),
    "complaint.offer_answered": (
        frozenset({"offer_id", "answer"}),
        frozenset({"consumer_message"}),
    ),
    "complaint.resolved": (
        frozenset({"resolution", "amount_fen", "platform_intervened"}),
        frozenset(),
    ),
    "complaint.confirmed": (frozenset(), frozenset({"consumer_message"})),
    "complaint.disputed": (frozenset(), frozenset({"consumer_message", "reason"})),
    "complaint.escalated": (frozenset(), frozenset()),
    "complaint.withdrawn": (frozenset(), frozenset({"consumer_message"})),
    "complaint.closed": (frozenset({"outcome"}), frozenset()),
    "mediation.started": (frozenset({"mediator"}), frozenset()),
    "mediation.concluded": (
        frozenset({"agreement"}),
        # with an agreement: amount and the agreement document; without: the ground
        frozenset({"amount_fen", "ground", "agreement_document", "parties_consented"}),
    ),
    "case.referred": (frozenset({"court"}), frozenset()),
    "case.note_added": (frozenset({"note_kind"}), frozenset({"reference"})),
    "deadline.breached": (frozenset({"deadline", "due_on", "responsible"}), frozenset()),
    # the seller received the returned goods: the refund is due within 7 days (CPL art. 25)
    "complaint.return_received": (frozenset(), frozenset({"return_id"})),
    # a bureau's steps a platform reads on its cases (rendered, never emitted, by adapters)
    "case.transferred": (frozenset({"to_bureau", "reason"}), frozenset()),
    "case.paused": (frozenset({"reason"}), frozenset({"reference"})),
    "case.resumed": (frozenset(), frozenset({"reference"})),
    "case.follow_up": (frozenset({"result"}), frozenset({"method"})),
}
# Reports (report.*) are absent on purpose: no platform ever reads one, so no adapter renders one.

OFFER_KINDS = frozenset({"refund", "return_refund", "replacement", "repair", "compensation"})
RESOLUTIONS = frozenset({"refund", "replacement", "repair", "compensation", "advance_compensation"})

# The note kinds adapters emit for platform-side changes that are not canonical lifecycle steps.
NOTE_PLATFORM_INTERVENED = "platform_intervened"
NOTE_MERCHANT_REFUSED = "merchant_refused_on_platform"
NOTE_RECORD_CLOSED = "platform_record_closed"
NOTE_BUYER_CANCELLED = "buyer_cancelled_on_platform"
ADAPTER_NOTE_KINDS = frozenset(
    {NOTE_PLATFORM_INTERVENED, NOTE_MERCHANT_REFUSED, NOTE_RECORD_CLOSED, NOTE_BUYER_CANCELLED}
)


def check_event(event: Mapping[str, Any], *, require_version: bool = False) -> None:
    """Check an event envelope and its `data` keys against the canonical shapes.

    This is structural (keys, types, no floats); the hub's own validator, where installed, is the
    authority on value ranges and enums.

    Raises:
        AdapterError: naming the first offending field as a JSON pointer into the event.
    """
    if not isinstance(event, Mapping):
        raise AdapterError("/", "expected an event object")
    unknown = set(event) - ENVELOPE_KEYS
    if unknown:
        raise AdapterError(f"/{sorted(unknown)[0]}", "not an envelope field a sender may send")
    for key in ("event_id", "type", "occurred_at", "data"):
        if key not in event:
            raise AdapterError(f"/{key}", "required field is missing")
    try:
        uuid.UUID(str(event["event_id"]))
    except ValueError as err:
        raise AdapterError("/event_id", "expected a UUID") from err
    complaint_id = event.get("complaint_id")
    if complaint_id is not None and not (
        isinstance(complaint_id, str) and COMPLAINT_ID.fullmatch(complaint_id)
    ):
        raise AdapterError("/complaint_id", "not a complaint id")
    version = event.get("version")
    if version is None and require_version:
        raise AdapterError("/version", "required field is missing")
    if version is not None and not (is_int(version) and version >= 1):
        raise AdapterError("/version", "expected a positive integer")
    event_type = event["type"]
    if event_type not in DATA_KEYS:
        raise AdapterError("/type", f"unknown event type {event_type!r}")
    parse_rfc3339(event["occurred_at"], "/occurred_at")
    data = event["data"]
    if not isinstance(data, Mapping):
        raise AdapterError("/data", "expected an object")
    required, optional = DATA_KEYS[event_type]
    for key in sorted(required - set(data)):
        raise AdapterError(f"/data/{key}", f"required by {event_type}")
    for key in sorted(set(data) - required - optional):
        raise AdapterError(f"/data/{key}", f"not a field of {event_type}")
    check_json_numbers(event, "")


def check_json_numbers(value: Any, at: str) -> None:
    """Refuse floats anywhere, and integers a double could not carry exactly."""
    if isinstance(value, float):
        raise AdapterError(at or "/", "floats are never allowed in canonical records")
    if is_int(value) and abs(value) > MAX_SAFE_INTEGER:
        raise AdapterError(at or "/", "integer beyond 2^53-1: carry it as a string")
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_json_numbers(item, f"{at}/{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_json_numbers(item, f"{at}/{index}")
