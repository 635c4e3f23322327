from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any

import pytest
from domain_samples import (
    ACCEPTED_AT,
    ASSOCIATION,
    CALENDAR,
    COURT,
    ENFORCEMENT,
    HUB,
    OPERATOR,
    OTHER_ENFORCEMENT,
    TAOBAO,
    XIHU_BUREAU,
    ZHEJIANG_BUREAU,
    event,
)

from hub.domain.breaches import breach_event
from hub.domain.calendar import WorkingCalendar, parse_holiday_table
from hub.domain.case_state import report_from_state, to_state
from hub.domain.deadlines import Deadline, DeadlineName
from hub.domain.errors import (
    DomainError,
    IllegalTransition,
    OutsideJurisdiction,
    UnknownComplaint,
    WrongRole,
)
from hub.domain.report import (
    ReportStatus,
    ReportView,
    decide_report,
    due_report_breaches,
    may_read_report,
    report_deadlines,
)
from hub.domain.roles import Actor, Role
from hub.problems import StaleVersion

R = ReportStatus
D = dt.date
N = DeadlineName

RECEIVED = {
    "received_at": "2026-09-30T09:12:45+08:00",
    "region": "330106",
    "respondent": {"platform": "taobao"},
    "filed_with": "HZ-1",
    "personal_ref": "personal-jb-1",
    "personal_commitment": "sha256:" + "0" * 64,
}

CHAIN: list[tuple[Actor, str, dict[str, Any], ReportStatus]] = [
    (XIHU_BUREAU, "report.received", RECEIVED, R.RECEIVED),
    (XIHU_BUREAU, "report.verified", {"verified": True}, R.VERIFIED),
    (XIHU_BUREAU, "report.handed_over", {"enforcement": ENFORCEMENT.participant_id}, R.HANDED_OVER),
    (ENFORCEMENT, "report.concluded", {"outcome": "case_opened"}, R.CONCLUDED),
]


def run(chain: list[tuple[Actor, str, dict[str, Any], ReportStatus]]) -> ReportView:
    report: ReportView | None = None
    for version, (actor, event_type, data, expected) in enumerate(chain, start=1):
        report = decide_report(
            report, event(event_type, version, data), actor, ACCEPTED_AT, CALENDAR
        )
        assert (report.status, report.version) == (expected, version)
        # the stored form folds on exactly
        assert report_from_state(to_state(report)) == report
    assert report is not None
    return report


def test_a_report_from_receipt_to_a_case_opened() -> None:
    report = run(CHAIN)
    assert (report.filed_with, report.enforcement, report.outcome) == (
        "HZ-1",
        ENFORCEMENT.participant_id,
        "case_opened",
    )
    assert not report.anonymous
    assert report.deadlines == ()


def test_an_unverified_lead_is_concluded_without_enforcement() -> None:
    report = run(
        [
            CHAIN[0],
            (
                XIHU_BUREAU,
                "report.verified",
                {"verified": False, "ground": "no_lead"},
                R.NOT_VERIFIED,
            ),
            (XIHU_BUREAU, "report.concluded", {"outcome": "not_verified"}, R.CONCLUDED),
        ]
    )
    assert report.verified is False


def received(**changes: Any) -> ReportView:
    return decide_report(
        None, event("report.received", 1, RECEIVED | changes), XIHU_BUREAU, ACCEPTED_AT, CALENDAR
    )


@pytest.mark.parametrize(
    ("received_at", "due_on", "provisional"),
    [
        # 15 working days: National Day 2026 (Oct 1..7) left out, Sat Oct 10 worked
        ("2026-09-30T09:00:00+08:00", D(2026, 10, 27), False),
        # over National Day 2025 (Oct 1..8 off; Sun Sep 28 and Sat Oct 11 worked)
        ("2025-09-26T09:00:00+08:00", D(2025, 10, 23), False),
        # received late December 2026: into 2027, Jan 1 seeded, the rest provisional
        ("2026-12-28T09:00:00+08:00", D(2027, 1, 19), True),
    ],
)
def test_verification_clock(received_at: str, due_on: dt.date, provisional: bool) -> None:
    report = received(received_at=received_at)
    assert report.deadlines == (Deadline(N.REPORT_VERIFICATION, due_on, provisional),)


def test_verification_clock_final_once_the_2027_table_arrives() -> None:
    report = received(received_at="2026-12-28T09:00:00+08:00")
    calendar = WorkingCalendar(parse_holiday_table('{"2027": {"holidays": ["2027-01-01"]}}'))
    assert report_deadlines(report, calendar) == [
        Deadline(N.REPORT_VERIFICATION, D(2027, 1, 19), False)
    ]


def test_a_missed_verification_counts_against_the_receiving_bureau() -> None:
    report = received()
    assert due_report_breaches(report, D(2026, 10, 27)) == []
    (breach,) = due_report_breaches(report, D(2026, 10, 28))
    assert breach.responsible == XIHU_BUREAU.participant_id
    now = dt.datetime(2026, 10, 28, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    document = breach_event(breach, 2, now)
    recorded = decide_report(report, document, HUB, ACCEPTED_AT, CALENDAR)
    assert recorded.breached_deadlines == {"report_verification"}
    assert due_report_breaches(recorded, D(2026, 10, 28)) == []


def test_an_anonymous_report_has_no_personal_part() -> None:
    data = {k: v for k, v in RECEIVED.items() if not k.startswith("personal")}
    report = decide_report(
        None, event("report.received", 1, data), XIHU_BUREAU, ACCEPTED_AT, CALENDAR
    )
    assert report.anonymous


VERIFIED = run(CHAIN[:2])


@pytest.mark.parametrize(
    ("report", "actor", "event_type", "data", "error"),
    [
        (None, TAOBAO, "report.received", RECEIVED, WrongRole),
        (None, ENFORCEMENT, "report.received", RECEIVED, WrongRole),
        (None, XIHU_BUREAU, "report.verified", {"verified": True}, UnknownComplaint),
        (
            None,
            Actor("bureau.js.nj", Role.BUREAU, regions=("320100",)),
            "report.received",
            RECEIVED,
            OutsideJurisdiction,
        ),
        (VERIFIED, TAOBAO, "report.concluded", {"outcome": "not_opened"}, WrongRole),
        (VERIFIED, ASSOCIATION, "report.concluded", {"outcome": "not_opened"}, WrongRole),
        # another bureau's desk does not handle what Xihu received, even its province
        (
            VERIFIED,
            ZHEJIANG_BUREAU,
            "report.concluded",
            {"outcome": "not_opened"},
            OutsideJurisdiction,
        ),
        (
            VERIFIED,
            OTHER_ENFORCEMENT,
            "report.concluded",
            {"outcome": "not_opened"},
            OutsideJurisdiction,
        ),
        (VERIFIED, XIHU_BUREAU, "report.verified", {"verified": True}, IllegalTransition),
        (
            run([CHAIN[0], (XIHU_BUREAU, "report.verified", {"verified": False}, R.NOT_VERIFIED)]),
            XIHU_BUREAU,
            "report.handed_over",
            {"enforcement": ENFORCEMENT.participant_id},
            IllegalTransition,  # only a verified lead goes to enforcement
        ),
        (
            run(CHAIN),
            ENFORCEMENT,
            "report.concluded",
            {"outcome": "case_opened"},
            IllegalTransition,
        ),
    ],
)
def test_report_refusals(
    report: ReportView | None,
    actor: Actor,
    event_type: str,
    data: dict[str, Any],
    error: type[DomainError],
) -> None:
    version = 1 if report is None else report.version + 1
    with pytest.raises(error):
        decide_report(report, event(event_type, version, data), actor, ACCEPTED_AT, CALENDAR)


@pytest.mark.parametrize(
    ("actor", "may_read"),
    [
        (XIHU_BUREAU, True),  # received it
        (ENFORCEMENT, True),  # enforcement staff of the region
        (OTHER_ENFORCEMENT, False),
        (OPERATOR, True),
        (ZHEJIANG_BUREAU, False),  # another bureau's complaint desk
        (TAOBAO, False),  # a platform never learns who reported it
        (ASSOCIATION, False),
        (COURT, False),
    ],
)
def test_who_reads_a_report(actor: Actor, may_read: bool) -> None:
    assert may_read_report(actor, VERIFIED) is may_read


def test_enforcement_handed_a_report_reads_it_outside_its_region() -> None:
    report = run(
        [
            *CHAIN[:2],
            (
                XIHU_BUREAU,
                "report.handed_over",
                {"enforcement": OTHER_ENFORCEMENT.participant_id},
                R.HANDED_OVER,
            ),
        ]
    )
    assert may_read_report(OTHER_ENFORCEMENT, report)


# Every (role, event type, status) of a report, against expectations written here as data.
REPORT_ROLES = {
    "report.received": "bureau",
    "report.verified": "bureau enforcement",
    "report.handed_over": "bureau",
    "report.concluded": "bureau enforcement",
    "deadline.breached": "hub",
}
REPORT_LEGAL_IN = {
    "report.received": "",
    "report.verified": "received",
    "report.handed_over": "verified",
    "report.concluded": "verified not_verified handed_over",
    "deadline.breached": "received verified not_verified handed_over",
}
REPORT_DATA: dict[str, dict[str, Any]] = {
    "report.received": RECEIVED,
    "report.verified": {"verified": True},
    "report.handed_over": {"enforcement": ENFORCEMENT.participant_id},
    "report.concluded": {"outcome": "not_opened"},
    "deadline.breached": {
        "deadline": "report_verification",
        "due_on": "2026-10-27",
        "responsible": XIHU_BUREAU.participant_id,
    },
}
REPORT_ACTOR = {
    Role.BUREAU: XIHU_BUREAU,
    Role.PLATFORM: TAOBAO,
    Role.ASSOCIATION: ASSOCIATION,
    Role.COURT: COURT,
    Role.ENFORCEMENT: ENFORCEMENT,
    Role.OPERATOR: OPERATOR,
    Role.HUB: HUB,
}


def expected_report(role: Role, event_type: str, status: ReportStatus) -> str:
    if event_type == "report.received":
        return "complaint_exists"
    if role.value not in REPORT_ROLES[event_type].split():
        return "wrong_role"
    if status.value not in REPORT_LEGAL_IN[event_type].split():
        return "illegal_transition"
    return "ok"


@pytest.mark.parametrize(
    ("role", "event_type", "status"),
    list(itertools.product(Role, REPORT_ROLES, ReportStatus)),
)
def test_report_matrix(role: Role, event_type: str, status: ReportStatus) -> None:
    report = replace(received(), version=3, status=status, verified=status is not R.NOT_VERIFIED)
    document = event(event_type, 4, REPORT_DATA[event_type])
    try:
        decide_report(report, document, REPORT_ACTOR[role], ACCEPTED_AT, CALENDAR)
    except DomainError as err:
        got = err.code
    else:
        got = "ok"
    assert got == expected_report(role, event_type, status)


@pytest.mark.parametrize("version", [1, 3])
def test_report_stale_version_is_the_one_stale_version_problem(version: int) -> None:
    with pytest.raises(StaleVersion) as caught:
        decide_report(
            received(),
            event("report.verified", version, {"verified": True}),
            XIHU_BUREAU,
            ACCEPTED_AT,
            CALENDAR,
        )
    assert (caught.value.extensions["current_version"], caught.value.status) == (1, 409)
