"""Values shared by the domain tests: actors, a representative case in any status, event data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain.calendar import WorkingCalendar
from hub.domain.case import CaseView
from hub.domain.lifecycle import Status
from hub.domain.roles import Actor, Role

CHINA = dt.timezone(dt.timedelta(hours=8))
ACCEPTED_AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)
CALENDAR = WorkingCalendar()

XIHU_BUREAU = Actor("bureau.zj.hz.xihu", Role.BUREAU, regions=("330106",))
ZHEJIANG_BUREAU = Actor("bureau.zj", Role.BUREAU, regions=("330000",))
NANJING_BUREAU = Actor("bureau.js.nj", Role.BUREAU, regions=("320100",))
TAOBAO = Actor("taobao", Role.PLATFORM, platform="taobao")
JD = Actor("jd", Role.PLATFORM, platform="jd")
ASSOCIATION = Actor("association.zj.hz", Role.ASSOCIATION)
OTHER_ASSOCIATION = Actor("association.js", Role.ASSOCIATION)
COURT = Actor("court.hz.internet", Role.COURT)
OTHER_COURT = Actor("court.bj.internet", Role.COURT)
OPERATOR = Actor("operator.ops", Role.OPERATOR)
ENFORCEMENT = Actor("enforcement.zj.hz.xihu", Role.ENFORCEMENT, regions=("330106",))
OTHER_ENFORCEMENT = Actor("enforcement.js.nj", Role.ENFORCEMENT, regions=("320100",))
BINJIANG_BUREAU = Actor("bureau.zj.hz.binjiang", Role.BUREAU, regions=("330108",))
HUB = Actor("hub", Role.HUB)

# The actor of each role that is entitled on the sample case.
ENTITLED: dict[Role, Actor] = {
    Role.BUREAU: XIHU_BUREAU,
    Role.PLATFORM: TAOBAO,
    Role.ASSOCIATION: ASSOCIATION,
    Role.COURT: COURT,
    Role.ENFORCEMENT: ENFORCEMENT,
    Role.OPERATOR: OPERATOR,
    Role.HUB: HUB,
}

MESSAGE = {"id": "msg-1", "sha256": "ab" * 32}

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "complaint.filed": {
        "channel": "bureau",
        "received_at": "2026-11-12T09:12:45+08:00",
        "region": "330106",
        "respondent": {
            "platform": "taobao",
            "merchant": {"name": "杭州示例数码专营店有限公司", "uscc": "91330106MA2CFT7E8D"},
        },
        "order": {"order_id": "4012345678901234567", "signed_for_on": "2026-11-11"},
        "goods": [{"name": "无线降噪耳机", "quantity": 1, "amount_fen": 59900}],
        "category": {"level1": "quality", "level2": "defect_or_malfunction", "livestream": True},
        "demand": {"kind": "refund", "amount_fen": 59900},
        "personal_ref": "personal-1",
        "personal_commitment": "sha256:" + "0" * 64,
        "consents": {"publication": False, "delegated_mediation": True},
    },
    "complaint.accepted": {},
    "complaint.rejected": {"ground": "material_missing"},
    "complaint.routed": {"platform": "taobao"},
    "complaint.acknowledged": {},
    "complaint.offer_made": {"offer_id": "offer-2", "kind": "refund", "amount_fen": 59900},
    "complaint.offer_answered": {"offer_id": "offer-1", "answer": "accepted"},
    "complaint.resolved": {
        "resolution": "refund",
        "amount_fen": 59900,
        "platform_intervened": False,
    },
    "complaint.confirmed": {},
    "complaint.disputed": {"reason": "amount_short"},
    "complaint.escalated": {},
    "complaint.withdrawn": {},
    "complaint.closed": {"outcome": "resolved"},
    "mediation.started": {"mediator": "association.zj.hz"},
    "mediation.concluded": {"agreement": True, "amount_fen": 50000, "parties_consented": True},
    "case.referred": {"court": "court.hz.internet"},
    "case.note_added": {"note_kind": "contact_attempted"},
    "deadline.breached": {
        "deadline": "acceptance_decision",
        "due_on": "2026-11-23",
        "responsible": "taobao",
    },
    "complaint.return_received": {},
    "case.transferred": {"to_bureau": "bureau.zj.hz.binjiang", "reason": "not_competent"},
    "case.paused": {"reason": "appraisal"},
    "case.resumed": {},
    "case.follow_up": {"result": "satisfied"},
}

VOICE = (
    "complaint.offer_answered",
    "complaint.confirmed",
    "complaint.disputed",
    "complaint.withdrawn",
)


def data_for(event_type: str, *, with_message: bool = False) -> dict[str, Any]:
    data = dict(SAMPLE_DATA[event_type])
    if with_message and event_type in VOICE:
        data["consumer_message"] = MESSAGE
    return data


def sample_case(status: Status, *, odr: bool = False, **changes: Any) -> CaseView:
    """A case in `status`, with an association mediating and a court referred to, so that every
    role's entitled actor is entitled on it."""
    values: dict[str, Any] = {
        "complaint_id": "HZ-1",
        "version": 5,
        "status": status,
        "channel": "platform_odr" if odr else "bureau",
        "filer": TAOBAO.participant_id if odr else XIHU_BUREAU.participant_id,
        "respondent_platform": "taobao",
        "region": "330106",
        "received_at": "2026-11-12T09:12:45+08:00",
        "filed_at": ACCEPTED_AT,
        "updated_at": ACCEPTED_AT,
        "category_level1": "quality",
        "livestream": False,
        "demand_kind": "refund",
        "amount_claimed_fen": 59900,
        "handling_bureau": None if odr else XIHU_BUREAU.participant_id,
        "mediator": ASSOCIATION.participant_id,
        "court": COURT.participant_id,
        "offers": ("offer-1",),
        "delegated_mediation_consent": True,
        "confirmation_self_reported": odr,
    }
    values.update(changes)
    return CaseView(**values)


def event(event_type: str, version: int, data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "event_id": "6f1c0c1e-5a1b-4c2d-8e3f-000000000001",
        "complaint_id": "HZ-1",
        "version": version,
        "type": event_type,
        "occurred_at": "2026-11-20T09:00:00+08:00",
        "data": data,
    }
    document.update(changes)
    return document
