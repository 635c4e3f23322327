"""From a native record's change of state to the canonical events it implies.

Platforms keep after-sales records as states. Each adapter reduces its native status codes to a
small set of phases; this module compares the new phase with the one kept for the native id and
emits the events the change implies, so the rules are written once and hold for every platform.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.base import canonical
from adapters.base.contract import (
    AdapterInfo,
    CanonicalEvent,
    FilingContext,
    NativeRef,
    ParseResult,
    Unmapped,
)
from adapters.base.convert import event_id
from adapters.base.errors import AdapterError

# requested: awaiting the merchant; offered: the merchant agreed (refund, return, replacement or
# repair under way); resolved: money refunded or the remedy performed; refused: the merchant said
# no; closed: the record ended without a remedy; buyer_cancelled: the buyer withdrew it on the
# platform.
PHASES = frozenset({"requested", "offered", "resolved", "refused", "closed", "buyer_cancelled"})

# A record whose status (or a code shaping its events) no table knows: kept and reported as
# unmapped, acknowledged when new, and otherwise read as no change, since guessing would be worse.
UNKNOWN = "unknown"

# A phase's event is not repeated when a record moves between two statuses of the same phase.
_PHASE_NOTES: dict[str, str] = {
    "refused": canonical.NOTE_MERCHANT_REFUSED,
    "closed": canonical.NOTE_RECORD_CLOSED,
    # A platform never speaks for the consumer: the buyer cancelling the platform's after-sales
    # request is not the consumer withdrawing the complaint, which only the consumer (or the bureau
    # recording the consumer's word) can do. The case gets a note; the bureau decides what it means.
    "buyer_cancelled": canonical.NOTE_BUYER_CANCELLED,
}

_DEMAND_KINDS = {
    "refund": "refund",
    "return_refund": "return",
    "replacement": "replacement",
    "repair": "repair",
}


@dataclass(frozen=True)
class NativeRecord:
    """One native after-sales record, normalised by its adapter: exact values, canonical units."""

    ref: NativeRef
    status: str
    phase: str | None
    updated_at: str
    amount_fen: int | None
    offer_kind: str
    resolution: str
    intervened: bool
    amount_field: str
    complaint_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    order_id: str | None = None
    category: Mapping[str, Any] | None = None
    category_field: str = "/"
    respondent_platform: str | None = None
    unmapped: Sequence[Unmapped] = ()


def parse_record(
    record: NativeRecord, previous_state: Mapping[str, Any] | None, filing: FilingContext | None
) -> ParseResult:
    """Diff a normalised record against the previous state and build the parse result.

    `phase` None means the message carries no status (a Taobao reminder topic) and UNKNOWN that it
    carries one no table knows: either way the kept phase stays.
    """
    if record.phase is not None and record.phase not in PHASES | {UNKNOWN}:
        raise ValueError(f"{record.phase!r} is not a phase")  # a mistake in an adapter's table
    previous_phase = previous_state.get("phase") if previous_state else None
    known_phase = None if record.phase == UNKNOWN else record.phase
    phase: str = known_phase or previous_phase or "requested"
    intervened = record.intervened or bool(previous_state and previous_state.get("intervened"))
    amount_fen = record.amount_fen
    if amount_fen is None and previous_state:
        amount_fen = previous_state.get("amount_fen")
    state = {
        **record.extra,
        "status": record.status,
        "phase": phase,
        "updated_at": record.updated_at,
        "amount_fen": amount_fen,
        "offer_kind": record.offer_kind,
        "resolution": record.resolution,
        "intervened": intervened,
    }
    if record.unmapped:
        state["unmapped"] = [item.to_dict() for item in record.unmapped]
    events = _events(record, previous_state, state, filing)
    return ParseResult(
        native_ref=record.ref,
        complaint_id=record.complaint_id,
        state=state,
        events=events,
        unmapped=tuple(record.unmapped),
    )


def _events(
    record: NativeRecord,
    previous: Mapping[str, Any] | None,
    state: Mapping[str, Any],
    filing: FilingContext | None,
) -> list[CanonicalEvent]:
    emit = _Emitter(record)
    if previous is None:
        if filing is not None:
            emit("complaint.filed", _filed_data(record, state, filing))
        else:
            emit("complaint.acknowledged", {})
    if state["intervened"] and not (previous and previous.get("intervened")):
        emit(
            "case.note_added",
            {"note_kind": canonical.NOTE_PLATFORM_INTERVENED, "reference": _reference(record)},
        )
    phase = state["phase"]
    previous_phase = previous.get("phase") if previous else "requested"
    if phase == "offered" and (
        previous_phase != "offered"
        or (previous is not None and previous.get("amount_fen") != state["amount_fen"])
    ):
        offer_event_id = emit.event_id("complaint.offer_made")
        emit(
            "complaint.offer_made",
            {
                "offer_id": offer_event_id,
                "kind": record.offer_kind,
                "amount_fen": _amount(record, state),
            },
        )
    elif phase != previous_phase:
        if phase == "resolved":
            emit(
                "complaint.resolved",
                {
                    "resolution": record.resolution,
                    "amount_fen": _amount(record, state),
                    "platform_intervened": state["intervened"],
                },
            )
        elif phase in _PHASE_NOTES:
            emit(
                "case.note_added",
                {"note_kind": _PHASE_NOTES[phase], "reference": _reference(record)},
            )
    return emit.events


class _Emitter:
    """Collects events that share the record's time and carry ids derived from it."""

    def __init__(self, record: NativeRecord) -> None:
        self.record = record
        self.events: list[CanonicalEvent] = []

    def event_id(self, event_type: str) -> str:
        ref = self.record.ref
        return event_id(
            ref.platform, ref.native_id, self.record.updated_at, self.record.status, event_type
        )

    def __call__(self, event_type: str, data: Mapping[str, Any]) -> None:
        self.events.append(
            CanonicalEvent(
                event_id=self.event_id(event_type),
                complaint_id=self.record.complaint_id,
                type=event_type,
                occurred_at=self.record.updated_at,
                data=data,
            )
        )


def _amount(record: NativeRecord, state: Mapping[str, Any]) -> int:
    """The money of an offer or resolution; repair and replacement may carry none."""
    amount_fen = state["amount_fen"]
    if amount_fen is not None:
        return int(amount_fen)
    if record.offer_kind in ("replacement", "repair"):
        return 0
    raise AdapterError(record.amount_field, "required to state the refund amount")


def _reference(record: NativeRecord) -> str:
    return f"{record.ref.platform}:{record.ref.kind}:{record.ref.native_id}"


def _filed_data(
    record: NativeRecord, state: Mapping[str, Any], filing: FilingContext
) -> dict[str, Any]:
    """File a complaint from a platform ODR record, only when it carries what filing needs."""
    if record.category is None:
        raise AdapterError(
            record.category_field, "the record carries no reason to categorise a complaint by"
        )
    goods: Sequence[Mapping[str, Any]] = filing.goods
    if not goods:
        raise AdapterError("/", "filing needs the goods, which this record does not list")
    data: dict[str, Any] = {
        "channel": "platform_odr",
        "received_at": filing.received_at,
        "region": filing.region,
        "respondent": {"platform": record.respondent_platform or record.ref.platform},
        "goods": [dict(item) for item in goods],
        "category": {**record.category, "livestream": filing.livestream},
        "demand": {
            "kind": _DEMAND_KINDS.get(record.offer_kind, "refund"),
            "amount_fen": _amount(record, state),
        },
        "personal_ref": filing.personal_ref,
        "personal_commitment": filing.personal_commitment,
        "consents": dict(filing.consents),
    }
    if record.order_id is not None:
        data["order"] = {"order_id": record.order_id}
    return data


class RecordAdapter(ABC):
    """Base for adapters whose native records are states: normalise a record, then diff it."""

    info: AdapterInfo

    def parse(
        self,
        payload: Mapping[str, Any],
        previous_state: Mapping[str, Any] | None,
        *,
        filing: FilingContext | None = None,
    ) -> ParseResult:
        """Normalise the record and emit the events its change since `previous_state` implies."""
        return parse_record(self.normalise(payload), previous_state, filing)

    @abstractmethod
    def normalise(self, payload: Mapping[str, Any]) -> NativeRecord:
        """Read a payload exactly into a NativeRecord, or raise AdapterError naming the field."""

    @abstractmethod
    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """Turn a canonical event routed to the platform into its native-looking message."""
