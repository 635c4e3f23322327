"""The complaints list's SQL against the domain's read rules, for every role.

The list filters rows in PostgreSQL for speed; `hub.domain.visibility.may_read_chain` says who may
read one complaint or report. Here real chains are written through the write path (the domain's
decisions, group commit, the snapshot's generated columns) and every reader of every role lists
them: the store must return exactly the chains the domain lets it read, and both must match the
table written here as data, so a change of the rule shows up as a failing row.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.domain.case_state import chain_from_state
from hub.domain.roles import Actor, Role
from hub.domain.visibility import may_read_chain, readable_by
from hub.services.intake import build_pending
from hub.services.resources import CHECKS, COMPLAINT_LISTS
from hub.settings import Settings
from hub.store.complaints import ComplaintFilters, ComplaintStore
from hub.store.participants import Participant
from hub.store.resources import EVENT_STORE
from hub.trust.resources import PARTICIPANTS
from tests.clocks import MovableClock, app_on_clock
from tests.conftest import example

CHINA = dt.timezone(dt.timedelta(hours=8))
# Before any clock of the chains below runs out, so the sweeper records no breach among them.
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=CHINA)

XIHU = Actor("bureau.zj.hz.xihu", Role.BUREAU, regions=("330106",))
BINJIANG = Actor("bureau.zj.hz.binjiang", Role.BUREAU, regions=("330108",))
ZHEJIANG = Actor("bureau.zj", Role.BUREAU, regions=("330000",))
NANJING = Actor("bureau.js.nj", Role.BUREAU, regions=("320100",))
TAOBAO = Actor("taobao", Role.PLATFORM, platform="taobao")
JD = Actor("jd", Role.PLATFORM, platform="jd")
ASSOCIATION = Actor("association.zj.hz", Role.ASSOCIATION)
OTHER_ASSOCIATION = Actor("association.js", Role.ASSOCIATION)
COURT = Actor("court.hz.internet", Role.COURT)
OTHER_COURT = Actor("court.bj.internet", Role.COURT)
ENFORCEMENT = Actor("enforcement.zj.hz.xihu", Role.ENFORCEMENT, regions=("330106",))
OTHER_ENFORCEMENT = Actor("enforcement.js.nj", Role.ENFORCEMENT, regions=("320100",))
OPERATOR = Actor("operator.ops", Role.OPERATOR)
HUB = Actor("hub", Role.HUB)

READERS = (
    XIHU,
    BINJIANG,
    ZHEJIANG,
    NANJING,
    TAOBAO,
    JD,
    ASSOCIATION,
    OTHER_ASSOCIATION,
    COURT,
    OTHER_COURT,
    ENFORCEMENT,
    OTHER_ENFORCEMENT,
    OPERATOR,
    HUB,
)

MEDIATED = "bureau.zj.hz.xihu:HZ-1"  # Xihu's, mediated by the association, referred to a court
TRANSFERRED = "bureau.zj.hz.xihu:HZ-2"  # Xihu's, transferred to Nanjing, then on to Binjiang
ODR = "taobao:ODR-1"  # Taobao's own ODR complaint, in Nanjing
# Binjiang's, accepted by itself; naming a court as its handling bureau is refused at the write
MISNAMED = "bureau.zj.hz.binjiang:HZ-3"
REPORT = "bureau.zj.hz.xihu:JB-1"  # reported with HZ-1, verified, handed to Xihu's enforcement
ANONYMOUS = "bureau.js.nj:JB-2"  # an anonymous report in Nanjing, about JD
PROVINCE = "bureau.zj:JB-3"  # received by the province, in Binjiang's district

# Who lists what, written out independently of the hub's rules.
SEES = {
    XIHU: {MEDIATED, TRANSFERRED, REPORT},  # filed both; received the report
    # handles HZ-2 now, filed HZ-3; not the province's report in its district
    BINJIANG: {TRANSFERRED, MISNAMED},
    ZHEJIANG: {MEDIATED, TRANSFERRED, MISNAMED, PROVINCE},  # its province's; its own report
    NANJING: {TRANSFERRED, ODR, ANONYMOUS},  # transferred it away; its region
    TAOBAO: {MEDIATED, ODR},  # the respondent, never of a report
    JD: {TRANSFERRED, MISNAMED},
    ASSOCIATION: {MEDIATED},  # mediation was delegated to it
    OTHER_ASSOCIATION: set(),
    COURT: {MEDIATED},  # referred to it
    OTHER_COURT: set(),  # a court reads what is referred to it
    ENFORCEMENT: {REPORT},  # a report of its region, never a complaint
    OTHER_ENFORCEMENT: {ANONYMOUS},  # its region
    OPERATOR: {MEDIATED, TRANSFERRED, ODR, MISNAMED, REPORT, ANONYMOUS, PROVINCE},
    HUB: set(),
}


def _event(event_type: str, chain_id: str, version: int, **data: Any) -> dict[str, Any]:
    document = copy.deepcopy(example(event_type))
    document.update(
        event_id=str(uuid.uuid4()),
        complaint_id=chain_id,
        version=version,
        occurred_at=(NOW - dt.timedelta(minutes=30)).isoformat(),
    )
    document["data"] = {**document["data"], **data}
    return document


def _odr_filing(chain_id: str, **data: Any) -> dict[str, Any]:
    document = _event("complaint.filed", chain_id, 1)
    document["data"] = {**copy.deepcopy(example("complaint.filed.platform_odr")["data"]), **data}
    return document


def _anonymous(document: dict[str, Any]) -> dict[str, Any]:
    for key in ("personal_ref", "personal_commitment", "filed_with"):
        document["data"].pop(key)
    return document


CHAINS: list[list[tuple[Actor, dict[str, Any]]]] = [
    [
        (XIHU, _event("complaint.filed", MEDIATED, 1)),
        (XIHU, _event("complaint.accepted", MEDIATED, 2)),
        (XIHU, _event("mediation.started", MEDIATED, 3, mediator=ASSOCIATION.participant_id)),
        (ASSOCIATION, _event("mediation.concluded", MEDIATED, 4)),
        (XIHU, _event("case.referred", MEDIATED, 5, court=COURT.participant_id)),
    ],
    [
        (XIHU, _event("complaint.filed", TRANSFERRED, 1, respondent={"platform": "jd"})),
        (XIHU, _event("case.transferred", TRANSFERRED, 2, to_bureau=NANJING.participant_id)),
        (NANJING, _event("case.transferred", TRANSFERRED, 3, to_bureau=BINJIANG.participant_id)),
    ],
    [(TAOBAO, _odr_filing(ODR, region="320100"))],
    [
        (
            BINJIANG,
            _event("complaint.filed", MISNAMED, 1, region="330108", respondent={"platform": "jd"}),
        ),
        (
            BINJIANG,
            _event("complaint.accepted", MISNAMED, 2, handling_bureau=BINJIANG.participant_id),
        ),
    ],
    [
        (XIHU, _event("report.received", REPORT, 1, filed_with=MEDIATED)),
        (XIHU, _event("report.verified", REPORT, 2)),
        (
            XIHU,
            _event("report.handed_over", REPORT, 3, enforcement=ENFORCEMENT.participant_id),
        ),
    ],
    [
        (
            NANJING,
            _anonymous(
                _event(
                    "report.received",
                    ANONYMOUS,
                    1,
                    region="320100",
                    respondent={"platform": "jd"},
                )
            ),
        )
    ],
    [(ZHEJIANG, _event("report.received", PROVINCE, 1, region="330108"))],
]


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[web.Application]:
    app = app_on_clock(settings, MovableClock(NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")):
        # Every reader registered: the write path checks each participant an event names.
        for actor in READERS:
            if actor.role is not Role.HUB:
                participant = Participant(
                    actor.participant_id,
                    actor.participant_id,
                    actor.role.value,
                    actor.platform,
                    actor.regions,
                    None,
                    True,
                )
                await app[PARTICIPANTS].add(participant)
        yield app


async def _write(app: web.Application) -> None:
    """Each chain's events in version order, through the checks of the write path."""
    store, checks = app[EVENT_STORE], app[CHECKS]
    for step in range(max(len(chain) for chain in CHAINS)):
        for chain in CHAINS:
            if step < len(chain):
                actor, document = chain[step]
                pending = build_pending(document, actor.participant_id, None)
                await store.append(pending, checks.for_domain_actor(actor))


async def _listed(lists: ComplaintStore, actor: Actor) -> set[str]:
    found, more = await lists.list(
        readable_by(actor), ComplaintFilters(), after=None, limit=len(CHAINS) + 1
    )
    assert not more
    return {snapshot.complaint_id for snapshot in found}


async def test_the_list_returns_exactly_what_the_read_rules_allow_every_role(
    hub: web.Application,
) -> None:
    assert {reader.role for reader in READERS} == set(Role)
    await _write(hub)
    lists = hub[COMPLAINT_LISTS]
    everything, _ = await lists.list(
        readable_by(OPERATOR), ComplaintFilters(), after=None, limit=len(CHAINS) + 1
    )
    chains = {s.complaint_id: chain_from_state(s.state) for s in everything}
    assert len(chains) == len(CHAINS)

    listed = {reader.participant_id: await _listed(lists, reader) for reader in READERS}
    allowed = {
        reader.participant_id: {
            chain_id for chain_id, chain in chains.items() if may_read_chain(reader, chain)
        }
        for reader in READERS
    }
    assert listed == allowed
    assert allowed == {reader.participant_id: SEES[reader] for reader in READERS}
