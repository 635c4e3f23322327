from __future__ import annotations

from typing import Any

import pytest
from domain_samples import (
    ASSOCIATION,
    COURT,
    JD,
    MESSAGE,
    NANJING_BUREAU,
    OTHER_ASSOCIATION,
    OTHER_COURT,
    TAOBAO,
    XIHU_BUREAU,
    ZHEJIANG_BUREAU,
    data_for,
    sample_case,
)

from hub.domain.authorisation import Flags, authorise
from hub.domain.errors import (
    ConsumerMessageRequired,
    DomainError,
    NotConsumerChannel,
    NotMediator,
    NotReferredCourt,
    NotRespondent,
    OutsideJurisdiction,
    WrongFilingChannel,
    WrongRole,
)
from hub.domain.lifecycle import Status
from hub.domain.roles import Actor, Role, covers

S = Status


def filing(**changes: Any) -> dict[str, Any]:
    data = data_for("complaint.filed")
    data.update(changes)
    return data


ODR_FILING = filing(channel="platform_odr")


@pytest.mark.parametrize(
    ("bureau_region", "case_region", "covered"),
    [
        ("330000", "330106", True),  # province covers district
        ("330100", "330106", True),  # city covers district
        ("330106", "330106", True),
        ("330106", "330105", False),  # neighbouring district
        ("330100", "330200", False),  # Hangzhou does not cover Ningbo
        ("330000", "320106", False),
        ("110000", "110105", True),
    ],
)
def test_region_prefix_match(bureau_region: str, case_region: str, covered: bool) -> None:
    assert covers(bureau_region, case_region) is covered


@pytest.mark.parametrize(
    ("actor", "data", "error"),
    [
        (XIHU_BUREAU, filing(), None),
        (ZHEJIANG_BUREAU, filing(), None),
        (NANJING_BUREAU, filing(), OutsideJurisdiction),
        (XIHU_BUREAU, ODR_FILING, WrongFilingChannel),
        (TAOBAO, ODR_FILING, None),
        (TAOBAO, filing(), WrongFilingChannel),  # a platform never files on the bureau channel
        (JD, ODR_FILING, NotRespondent),  # jd cannot file an ODR complaint against taobao
        (ASSOCIATION, filing(), WrongRole),
        (Actor("operator.ops", Role.OPERATOR), filing(), WrongRole),
    ],
)
def test_who_may_file(actor: Actor, data: dict[str, Any], error: type[DomainError] | None) -> None:
    if error is None:
        assert authorise(actor, "complaint.filed", data, None) == Flags()
    else:
        with pytest.raises(error):
            authorise(actor, "complaint.filed", data, None)


@pytest.mark.parametrize(
    ("actor", "event_type", "status", "error"),
    [
        (JD, "complaint.acknowledged", S.ROUTED, NotRespondent),
        (JD, "case.note_added", S.ROUTED, NotRespondent),
        (NANJING_BUREAU, "complaint.accepted", S.FILED, OutsideJurisdiction),
        (ZHEJIANG_BUREAU, "complaint.accepted", S.FILED, None),  # the province covers it
        (OTHER_ASSOCIATION, "mediation.concluded", S.MEDIATING, NotMediator),
        (ASSOCIATION, "mediation.concluded", S.MEDIATING, None),
        (OTHER_COURT, "case.note_added", S.REFERRED, NotReferredCourt),
        (COURT, "case.note_added", S.REFERRED, None),
        (TAOBAO, "complaint.accepted", S.FILED, WrongRole),  # no platform acts as the bureau
        (TAOBAO, "deadline.breached", S.ROUTED, WrongRole),
        (XIHU_BUREAU, "deadline.breached", S.FILED, WrongRole),
    ],
)
def test_case_level_rules(
    actor: Actor, event_type: str, status: Status, error: type[DomainError] | None
) -> None:
    case = sample_case(status)
    if error is None:
        authorise(actor, event_type, data_for(event_type), case)
    else:
        with pytest.raises(error):
            authorise(actor, event_type, data_for(event_type), case)


def test_handling_bureau_acts_outside_its_regions() -> None:
    # A bureau designated to handle the case (complaint.accepted names it) acts on it anywhere.
    case = sample_case(S.ACCEPTED, handling_bureau=NANJING_BUREAU.participant_id)
    authorise(NANJING_BUREAU, "complaint.routed", data_for("complaint.routed"), case)


def test_association_needs_delegation() -> None:
    case = sample_case(S.MEDIATING, mediator=None)
    with pytest.raises(NotMediator):
        authorise(ASSOCIATION, "mediation.concluded", data_for("mediation.concluded"), case)


def test_court_acts_only_once_referred() -> None:
    case = sample_case(S.MEDIATED, court=None)
    with pytest.raises(NotReferredCourt):
        authorise(COURT, "case.note_added", data_for("case.note_added"), case)


VOICE_CASES = [
    # (case filed on ODR?, actor, event type, consumer message?, expected flags or error)
    (False, XIHU_BUREAU, "complaint.confirmed", False, Flags()),
    (False, XIHU_BUREAU, "complaint.withdrawn", False, Flags()),
    (False, TAOBAO, "complaint.confirmed", True, NotConsumerChannel),
    (False, TAOBAO, "complaint.withdrawn", True, NotConsumerChannel),
    (False, TAOBAO, "complaint.offer_answered", True, NotConsumerChannel),
    (False, ZHEJIANG_BUREAU, "complaint.confirmed", False, NotConsumerChannel),  # not the filer
    (True, TAOBAO, "complaint.confirmed", True, Flags(self_reported=True)),
    (True, TAOBAO, "complaint.offer_answered", True, Flags(self_reported=True)),
    (True, TAOBAO, "complaint.disputed", True, Flags(self_reported=True)),
    (True, TAOBAO, "complaint.withdrawn", True, Flags(self_reported=True)),
    (True, TAOBAO, "complaint.confirmed", False, ConsumerMessageRequired),
    (True, TAOBAO, "complaint.withdrawn", False, ConsumerMessageRequired),
    (True, XIHU_BUREAU, "complaint.disputed", False, Flags(overrides_self_reported=True)),
    (True, XIHU_BUREAU, "complaint.confirmed", False, NotConsumerChannel),
    (True, XIHU_BUREAU, "complaint.withdrawn", False, NotConsumerChannel),
    (True, NANJING_BUREAU, "complaint.disputed", False, OutsideJurisdiction),
]


@pytest.mark.parametrize(("odr", "actor", "event_type", "message", "expected"), VOICE_CASES)
def test_consumer_voice(
    odr: bool, actor: Actor, event_type: str, message: bool, expected: object
) -> None:
    status = S.NEGOTIATING if event_type == "complaint.offer_answered" else S.RESOLVED
    case = sample_case(status, odr=odr)
    data = data_for(event_type)
    if message:
        data["consumer_message"] = MESSAGE
    if isinstance(expected, Flags):
        assert authorise(actor, event_type, data, case) == expected
    else:
        assert isinstance(expected, type)
        with pytest.raises(expected):
            authorise(actor, event_type, data, case)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (WrongRole("platform", "complaint.accepted"), "wrong_role", 403),
        (NotRespondent("x"), "not_respondent", 403),
        (OutsideJurisdiction("x"), "outside_jurisdiction", 403),
        (NotConsumerChannel("x"), "not_consumer_channel", 403),
        (ConsumerMessageRequired("x"), "consumer_message_required", 403),
    ],
)
def test_errors_carry_code_and_status(error: DomainError, code: str, status: int) -> None:
    assert (error.code, error.status) == (code, status)
    assert error.message
