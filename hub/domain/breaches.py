"""Deadline breaches the hub records on its own: which, against whom, and the event that says so.

Pure: the sweeper feeds in a case and the local date, and appends what comes out like any event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from hub.domain.case import CHINA, CaseView
from hub.domain.deadlines import RESPONSIBLE, Deadline, breached
from hub.domain.lifecycle import EventType
from hub.domain.roles import Role

# Fixed for all time: the event id of a breach is derived from it, so every hub process (and every
# later sweep) names the same breach with the same id and the store keeps it once.
BREACH_NAMESPACE = uuid.UUID("5f0c7d0e-8a54-4c1e-9d0b-2b1f6a7c3e91")

# Event ids of UUID version 8 (RFC 9562 section 5.8) are the hub's own: anyone can compute a
# breach's id, so participants may not send one (hub.services.intake), and no participant can
# take the id of a breach before the hub records it.
HUB_EVENT_ID_VERSION = 8


def is_hub_event_id(event_id: str) -> bool:
    """Whether `event_id` is in the hub's reserved version (a malformed id is not)."""
    try:
        return uuid.UUID(event_id).version == HUB_EVENT_ID_VERSION
    except ValueError:
        return False


def hub_event_id(namespace: uuid.UUID, name: str) -> str:
    """A derived id in the hub's reserved version: the name-based SHA-1 id, version 8."""
    derived = uuid.uuid5(namespace, name).int
    derived &= ~(0xF << 76)  # the version field, bits 48-51 from the left
    return str(uuid.UUID(int=derived | (HUB_EVENT_ID_VERSION << 76)))


@dataclass(frozen=True, slots=True)
class Breach:
    complaint_id: str
    deadline: Deadline
    responsible: str  # a bureau's participant id, or the respondent platform's code


def breach_event_id(complaint_id: str, deadline_name: str, due_on: dt.date) -> str:
    return hub_event_id(BREACH_NAMESPACE, f"{complaint_id}:{deadline_name}:{due_on}")


def responsible_party(case: CaseView, deadline: Deadline) -> str:
    """Whose timeliness the breach counts against."""
    if RESPONSIBLE[deadline.name] is Role.PLATFORM:
        return case.respondent_platform
    # A bureau-filed case is handled by its filer until acceptance names a handling bureau.
    return case.handling_bureau or case.filer


def due_breaches(case: CaseView, today: dt.date) -> list[Breach]:
    """Breaches not yet recorded on `case` as of the local date `today` (never provisional)."""
    return [
        Breach(case.complaint_id, deadline, responsible_party(case, deadline))
        for deadline in breached(list(case.deadlines), today)
        if deadline.name.value not in case.breached_deadlines
    ]


def today_in_china(now: dt.datetime) -> dt.date:
    """The Asia/Shanghai date: deadlines are local calendar dates."""
    if now.tzinfo is None:
        raise ValueError("the sweeper's clock must carry an offset")
    return now.astimezone(CHINA).date()


def breach_event(breach: Breach, version: int, now: dt.datetime) -> dict[str, Any]:
    """The canonical `deadline.breached` event extending the case at `version - 1`."""
    deadline = breach.deadline
    return {
        "event_id": breach_event_id(breach.complaint_id, deadline.name.value, deadline.due_on),
        "complaint_id": breach.complaint_id,
        "version": version,
        "type": EventType.DEADLINE_BREACHED.value,
        "occurred_at": now.astimezone(CHINA).isoformat(timespec="seconds"),
        "data": {
            "deadline": deadline.name.value,
            "due_on": deadline.due_on.isoformat(),
            "responsible": breach.responsible,
        },
    }
