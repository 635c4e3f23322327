"""The bureau's steps and clocks over HTTP: transfers, pauses, mediation's end, reports, follow-ups.

Every date is the injected clock's or an event's own `occurred_at`, so no test depends on today.
Due dates follow docs/bureau-clocks.md (Order 121 for complaints received from 2026-04-15).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.app import create_app
from hub.clock import CLOCK, Clock
from hub.sdk.client import HubClient, HubError
from hub.services.resources import CHECKS
from hub.settings import Settings, SettingsError
from hub.store.resources import EVENT_STORE, POOL
from hub.store.sweeps import SweepStore
from hub.sweeper.sweep import DeadlineSweeper
from tests.api._lifecycle import Cast, event, new_complaint_id, prepare

CHINA = timezone(timedelta(hours=8))


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: str) -> str:
        """Move to 10:00 China time on `day`; returns that moment as RFC 3339."""
        self.now = datetime.fromisoformat(f"{day}T10:00:00+08:00").astimezone(UTC)
        return self.now.astimezone(CHINA).isoformat()


@pytest.fixture
def clock() -> MovableClock:
    # Monday 2026-05-11, under Order 121
    return MovableClock(datetime(2026, 5, 11, 2, 0, tzinfo=UTC))


@pytest.fixture
def pending_cases() -> str:
    return "by_received"


@pytest.fixture
def settings(settings: Settings, pending_cases: str) -> Settings:
    return dataclasses.replace(settings, pending_cases=pending_cases)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    app = create_app(settings)
    injected: Clock = clock
    app[CLOCK] = injected
    return app


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


def at(day: str) -> str:
    return f"{day}T10:00:00+08:00"


async def post(
    client: HubClient, event_type: str, complaint_id: str, version: int, day: str, **data: Any
) -> dict[str, Any]:
    body = event(event_type, complaint_id, version, **data)
    body["occurred_at"] = at(day)
    return await client.post_event(body)


async def file_complaint(bureau: HubClient, day: str, complaint_id: str | None = None) -> str:
    complaint_id = complaint_id or new_complaint_id()
    await post(bureau, "complaint.filed", complaint_id, 1, day, received_at=at(day))
    return complaint_id


async def accepted(bureau: HubClient, day: str) -> str:
    complaint_id = await file_complaint(bureau, day)
    await post(bureau, "complaint.accepted", complaint_id, 2, day, handling_bureau="bureau.hz")
    return complaint_id


async def chain_types(client: HubClient, complaint_id: str) -> list[str]:
    found = await client.call("GET", f"/v1/complaints/{complaint_id}/events")
    return [item["event"]["type"] for item in found["events"]]


async def listed(client: HubClient) -> set[str]:
    page = await client.call("GET", "/v1/complaints", params={"limit": 500})
    return {item.get("complaint_id") or item["report_id"] for item in page["items"]}


async def fed(client: HubClient) -> set[str]:
    page = await client.get_feed(limit=1000)
    return {item["event"]["complaint_id"] for item in page["items"]}


def deadlines(snapshot: dict[str, Any]) -> dict[str, str]:
    return {d["name"]: d["due_on"] for d in snapshot["deadlines"]}


async def refused(coroutine: Any) -> HubError:
    with pytest.raises(HubError) as caught:
        await coroutine
    return caught.value


# -- transfer (移送) ---------------------------------------------------------------------------


async def test_transfer_starts_the_receiving_bureaus_clock_and_leaves_the_first_a_read_view(
    enrol: Any, clock: MovableClock
) -> None:
    hangzhou = await enrol("bureau.hz", "bureau", regions=("330100",))
    shanghai = await enrol("bureau.sh", "bureau", regions=("310000",))
    ningbo = await enrol("bureau.nb", "bureau", regions=("330200",))
    complaint_id = await file_complaint(hangzhou, "2026-05-11")
    assert deadlines(await hangzhou.get_complaint(complaint_id)) == {
        "acceptance_decision": "2026-05-20"  # 7 working days from Monday 11 May
    }

    clock.set("2026-05-14")  # the hub records the transfer on Thursday
    await post(hangzhou, "case.transferred", complaint_id, 2, "2026-05-14", to_bureau="bureau.sh")

    snapshot = await shanghai.get_complaint(complaint_id)
    assert snapshot["status"] == "filed"
    assert snapshot["handling_bureau"] == "bureau.sh"
    assert snapshot["former_bureaus"] == ["bureau.hz"]
    # the receiving bureau's 7 working days run from its receipt, Thursday 14 May
    assert deadlines(snapshot) == {"acceptance_decision": "2026-05-25"}
    # both see the whole history
    for reader in (hangzhou, shanghai):
        assert await chain_types(reader, complaint_id) == ["complaint.filed", "case.transferred"]
    # the first bureau can no longer act on it
    problem = await refused(
        post(
            hangzhou,
            "complaint.accepted",
            complaint_id,
            3,
            "2026-05-14",
            handling_bureau="bureau.hz",
        )
    )
    assert (problem.status, problem.slug) == (403, "outside-jurisdiction")

    # Shanghai is not competent either: on to Ningbo. Shanghai, neither filer nor covering the
    # region, keeps its read view and still lists the complaint.
    await post(
        shanghai,
        "case.transferred",
        complaint_id,
        3,
        "2026-05-14",
        to_bureau="bureau.nb",
        reason="not_competent",
    )
    assert complaint_id in await listed(shanghai)
    assert (await shanghai.get_complaint(complaint_id))["handling_bureau"] == "bureau.nb"
    assert complaint_id in await fed(shanghai)

    clock.set("2026-05-15")
    await post(
        ningbo, "complaint.accepted", complaint_id, 4, "2026-05-15", handling_bureau="bureau.nb"
    )
    snapshot = await ningbo.get_complaint(complaint_id)
    assert snapshot["status"] == "accepted"
    assert snapshot["former_bureaus"] == ["bureau.hz", "bureau.sh"]
    # 60 calendar days from acceptance (Order 121 art. 23)
    assert deadlines(snapshot) == {"mediation_limit": "2026-07-14"}


@pytest.mark.parametrize("to_bureau", ["bureau.nowhere", "platform.taobao", "bureau.off"])
async def test_transfer_to_a_bureau_the_hub_does_not_know_is_refused_and_changes_nothing(
    enrol: Any, db: asyncpg.Connection, to_bureau: str
) -> None:
    hangzhou = await enrol("bureau.hz", "bureau", regions=("330100",))
    await enrol("platform.taobao", "platform", platform="taobao")
    await enrol("bureau.off", "bureau", regions=("310000",))
    await db.execute("UPDATE participants SET enabled = false WHERE participant_id = 'bureau.off'")
    complaint_id = await file_complaint(hangzhou, "2026-05-11")

    problem = await refused(
        post(hangzhou, "case.transferred", complaint_id, 2, "2026-05-11", to_bureau=to_bureau)
    )

    assert (problem.status, problem.slug) == (422, "unknown-bureau")
    assert problem.problem["pointer"] == "/data/to_bureau"
    assert to_bureau in problem.problem["detail"]
    assert (await hangzhou.get_complaint(complaint_id))["version"] == 1


# -- pauses, refunds and the end of mediation ----------------------------------------------------


async def test_pause_and_resume_extend_the_mediation_limit(cast: Cast, clock: MovableClock) -> None:
    bureau = await cast("bureau")
    complaint_id = await accepted(bureau, "2026-05-11")
    assert deadlines(await bureau.get_complaint(complaint_id)) == {
        "mediation_limit": "2026-07-10"  # 60 days from Monday 11 May
    }

    clock.set("2026-05-20")
    await post(bureau, "case.paused", complaint_id, 3, "2026-05-20", reason="appraisal")
    paused = await bureau.get_complaint(complaint_id)
    assert paused["paused"] is True
    assert deadlines(paused) == {}  # no limit is shown while the appraisal runs
    problem = await refused(
        post(bureau, "case.paused", complaint_id, 4, "2026-05-21", reason="testing")
    )
    assert (problem.status, problem.slug) == (409, "illegal-transition")

    clock.set("2026-05-30")
    await post(bureau, "case.resumed", complaint_id, 4, "2026-05-30")
    resumed = await bureau.get_complaint(complaint_id)
    assert "paused" not in resumed
    # ten days paused (21 to 30 May): the limit moves from 10 to 20 July
    assert deadlines(resumed) == {"mediation_limit": "2026-07-20"}


async def test_a_refund_during_mediation_is_recorded_and_mediation_ends_settled(
    cast: Cast,
) -> None:
    bureau, platform = await cast("bureau"), await cast("platform")
    complaint_id = await accepted(bureau, "2026-05-11")
    await post(bureau, "mediation.started", complaint_id, 3, "2026-05-12", mediator="bureau.hz")

    await post(
        platform,
        "complaint.resolved",
        complaint_id,
        4,
        "2026-05-13",
        resolution="refund",
        amount_fen=30000,
    )
    snapshot = await bureau.get_complaint(complaint_id)
    assert (snapshot["status"], snapshot["amount_recovered_fen"]) == ("mediating", 30000)
    assert snapshot["resolution"] == "refund"

    await bureau.post_event(
        {
            **event("mediation.concluded", complaint_id, 5),
            "occurred_at": at("2026-05-14"),
            "data": {"agreement": False, "ground": "settled_by_parties", "parties_consented": True},
        }
    )
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "mediated"
    assert snapshot["mediation_end_ground"] == "settled_by_parties"
    assert snapshot["amount_recovered_fen"] == 30000


async def test_mediation_ended_without_agreement_gives_the_parties_seven_working_days_notice(
    cast: Cast,
) -> None:
    bureau = await cast("bureau")
    complaint_id = await accepted(bureau, "2026-05-11")
    await post(bureau, "mediation.started", complaint_id, 3, "2026-05-12", mediator="bureau.hz")

    concluded = event("mediation.concluded", complaint_id, 4)
    concluded["occurred_at"] = at("2026-05-15")
    concluded["data"] = {"agreement": False, "ground": "party_refused", "parties_consented": False}
    await bureau.post_event(concluded)

    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "mediated"
    assert snapshot["mediation_end_ground"] == "party_refused"
    # 7 working days from Friday 15 May
    assert deadlines(snapshot) == {"parties_notified": "2026-05-26"}
    await post(bureau, "complaint.closed", complaint_id, 5, "2026-05-18", outcome="not_resolved")
    assert deadlines(await bureau.get_complaint(complaint_id)) == {}


async def test_an_agreement_without_a_ground_and_a_ground_without_agreement_only(
    cast: Cast,
) -> None:
    bureau = await cast("bureau")
    complaint_id = await accepted(bureau, "2026-05-11")
    await post(bureau, "mediation.started", complaint_id, 3, "2026-05-12", mediator="bureau.hz")
    concluded = event("mediation.concluded", complaint_id, 4)
    concluded["data"] = {"agreement": True, "ground": "party_refused"}

    problem = await refused(bureau.post_event(concluded))

    assert (problem.status, problem.slug) == (422, "invalid-record")
    assert (await bureau.get_complaint(complaint_id))["version"] == 3


# -- follow-up visits (回访) ---------------------------------------------------------------------


async def test_a_follow_up_visit_after_closing(cast: Cast) -> None:
    prepared = await prepare(cast, "bureau", 9)
    bureau = await cast("bureau")
    assert (await bureau.get_complaint(prepared.complaint_id))["status"] == "closed"

    await post(
        bureau,
        "case.follow_up",
        prepared.complaint_id,
        10,
        "2026-05-20",
        result="satisfied",
        method="phone",
    )

    snapshot = await bureau.get_complaint(prepared.complaint_id)
    assert (snapshot["status"], snapshot["follow_up_result"]) == ("closed", "satisfied")


async def test_no_follow_up_before_the_handling_ends(cast: Cast) -> None:
    bureau = await cast("bureau")
    complaint_id = await accepted(bureau, "2026-05-11")
    problem = await refused(
        post(bureau, "case.follow_up", complaint_id, 3, "2026-05-12", result="satisfied")
    )
    assert (problem.status, problem.slug) == (409, "illegal-transition")


# -- reports (举报) ------------------------------------------------------------------------------


def report_id() -> str:
    return f"bureau.hz:HZ12315-JB-{uuid.uuid4().hex[:16]}"


async def receive_report(bureau: HubClient, day: str, filed_with: str | None = None) -> str:
    found = report_id()
    body = event("report.received", found, 1)
    body["occurred_at"] = at(day)
    body["data"]["received_at"] = at(day)
    if filed_with is None:
        body["data"].pop("filed_with")
    else:
        body["data"]["filed_with"] = filed_with
    await bureau.post_event(body)
    return found


async def test_a_filing_with_complaint_and_report_shows_each_only_to_its_readers(
    cast: Cast, enrol: Any
) -> None:
    bureau, platform = await cast("bureau"), await cast("platform")
    province = await cast("province_bureau")
    enforcement = await enrol("enforcement.hz", "enforcement", regions=("330100",))
    far_enforcement = await enrol("enforcement.bj", "enforcement", regions=("110000",))
    complaint_id = await file_complaint(bureau, "2026-05-11")
    report = await receive_report(bureau, "2026-05-11", filed_with=complaint_id)

    received = await bureau.get_complaint(report)
    assert received["kind"] == "report"
    assert (received["status"], received["filed_with"]) == ("received", complaint_id)
    assert deadlines(received) == {"report_verification": "2026-06-01"}  # 15 working days

    # the platform sees the complaint, never the report nor who reported
    complaint = await platform.get_complaint(complaint_id)
    assert report not in str(complaint)
    assert report not in str(await platform.call("GET", f"/v1/complaints/{complaint_id}/events"))
    for reader in (platform, province, far_enforcement):
        problem = await refused(reader.get_complaint(report))
        assert problem.status == 404
        assert report not in await listed(reader)
        assert report not in await fed(reader)
    assert complaint_id in await listed(platform)
    assert complaint_id in await fed(platform)
    native = await platform.call("GET", "/v1/platforms/taobao/feed", params={"limit": 100})
    assert {item["complaint_id"] for item in native["items"]} == {complaint_id}

    # a report's chain has no personal part served through the complaint route
    problem = await refused(bureau.call("GET", f"/v1/complaints/{report}/personal"))
    assert problem.status == 404

    # enforcement of the region reads the report, not the complaint
    assert (await enforcement.get_complaint(report))["report_id"] == report
    assert await listed(enforcement) == {report}
    assert await fed(enforcement) == {report}
    assert (await refused(enforcement.get_complaint(complaint_id))).status == 404

    # the report's own steps
    await post(bureau, "report.verified", report, 2, "2026-05-12", verified=True)
    await post(bureau, "report.handed_over", report, 3, "2026-05-13", enforcement="enforcement.hz")
    await post(enforcement, "report.concluded", report, 4, "2026-05-20", outcome="case_opened")
    concluded = await enforcement.get_complaint(report)
    assert (concluded["status"], concluded["outcome"]) == ("concluded", "case_opened")
    assert concluded["enforcement"] == "enforcement.hz"
    assert await chain_types(bureau, report) == [
        "report.received",
        "report.verified",
        "report.handed_over",
        "report.concluded",
    ]
    assert report not in await fed(platform)


async def test_report_events_never_extend_a_complaint_nor_complaint_events_a_report(
    cast: Cast,
) -> None:
    bureau = await cast("bureau")
    complaint_id = await file_complaint(bureau, "2026-05-11")
    report = await receive_report(bureau, "2026-05-11")

    onto_complaint = event("report.received", complaint_id, 1)
    problem = await refused(bureau.post_event(onto_complaint))
    assert (problem.status, problem.slug) == (409, "complaint-exists")
    problem = await refused(
        post(bureau, "report.verified", complaint_id, 2, "2026-05-12", verified=True)
    )
    assert (problem.status, problem.slug) == (409, "illegal-transition")
    problem = await refused(
        post(bureau, "complaint.accepted", report, 2, "2026-05-12", handling_bureau="bureau.hz")
    )
    assert (problem.status, problem.slug) == (409, "illegal-transition")
    problem = await refused(post(bureau, "report.verified", report, 5, "2026-05-12", verified=True))
    assert (problem.status, problem.slug) == (409, "stale-version")
    assert problem.problem["current_version"] == 1


async def test_a_platform_cannot_receive_a_report(cast: Cast) -> None:
    platform = await cast("platform")
    body = event("report.received", report_id(), 1)
    problem = await refused(platform.post_event(body))
    assert (problem.status, problem.slug) == (403, "wrong-role")


# -- the sweeper ---------------------------------------------------------------------------------


def sweeper(app: web.Application, clock: MovableClock) -> DeadlineSweeper:
    return DeadlineSweeper(SweepStore(app[POOL]), app[EVENT_STORE], app[CHECKS], clock=clock)


async def test_the_sweeper_records_a_breached_report_clock_against_the_receiving_bureau(
    app: web.Application, cast: Cast, clock: MovableClock
) -> None:
    bureau, platform = await cast("bureau"), await cast("platform")
    report = await receive_report(bureau, "2026-05-11")

    clock.set("2026-06-01")  # the due day itself is still in time
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 0
    clock.set("2026-06-02")
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 1
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 0

    found = await bureau.call("GET", f"/v1/complaints/{report}/events")
    breach = found["events"][-1]["event"]
    assert breach["type"] == "deadline.breached"
    assert breach["data"] == {
        "deadline": "report_verification",
        "due_on": "2026-06-01",
        "responsible": "bureau.hz",
    }
    (deadline,) = (await bureau.get_complaint(report))["deadlines"]
    assert deadline["breached"] is True
    assert report not in await fed(platform)


async def test_the_sweeper_records_a_late_refund_after_return_against_the_platform(
    app: web.Application, cast: Cast, clock: MovableClock
) -> None:
    bureau, platform = await cast("bureau"), await cast("platform")
    complaint_id = await accepted(bureau, "2026-05-11")
    await post(bureau, "complaint.routed", complaint_id, 3, "2026-05-11", platform="taobao")
    await post(platform, "complaint.return_received", complaint_id, 4, "2026-05-12")
    snapshot = await platform.get_complaint(complaint_id)
    assert deadlines(snapshot)["refund_after_return"] == "2026-05-19"  # 7 calendar days

    clock.set("2026-05-20")
    # routed on 11 May, the platform still negotiates until 25 May: one breach, the refund's
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 1

    events = (await platform.call("GET", f"/v1/complaints/{complaint_id}/events"))["events"]
    assert events[-1]["event"]["type"] == "deadline.breached"
    assert events[-1]["event"]["data"] == {
        "deadline": "refund_after_return",
        "due_on": "2026-05-19",
        "responsible": "taobao",
    }

    # a refund reported after the return stops the clock
    await post(platform, "complaint.acknowledged", complaint_id, 6, "2026-05-20")
    await post(
        platform,
        "complaint.resolved",
        complaint_id,
        7,
        "2026-05-20",
        resolution="refund",
        amount_fen=59900,
    )
    assert "refund_after_return" not in deadlines(await platform.get_complaint(complaint_id))


async def test_the_sweeper_waits_for_a_paused_mediation_limit(
    app: web.Application, cast: Cast, clock: MovableClock
) -> None:
    bureau = await cast("bureau")
    complaint_id = await accepted(bureau, "2026-05-11")
    await post(bureau, "mediation.started", complaint_id, 3, "2026-05-12", mediator="bureau.hz")
    await post(bureau, "case.paused", complaint_id, 4, "2026-05-20", reason="testing")

    clock.set("2026-07-15")  # past the unpaused limit of 10 July, but paused since 20 May
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 0

    await post(bureau, "case.resumed", complaint_id, 5, "2026-05-30")
    assert deadlines(await bureau.get_complaint(complaint_id)) == {"mediation_limit": "2026-07-20"}
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 0
    clock.set("2026-07-21")
    assert (await sweeper(app, clock).record_breaches()).breaches_recorded == 1


# -- participants ----------------------------------------------------------------------------


def test_the_cli_registers_enforcement_staff() -> None:
    from hub.cli import build_parser  # the command line is its own layer; only this test needs it

    args = build_parser().parse_args(
        [
            "participants",
            "add",
            "enforcement.hz",
            "--role",
            "enforcement",
            "--name",
            "Hangzhou enforcement",
            "--region",
            "330100",
        ]
    )
    assert (args.role, args.region) == ("enforcement", ["330100"])


# -- which rules a pending complaint follows ----------------------------------------------------


@pytest.mark.parametrize(
    ("pending_cases", "limit"),
    [
        ("by_received", "2026-06-25"),  # Order 20: 45 working days from acceptance
        ("by_step", "2026-06-22"),  # Order 121: 60 days, the last in the Dragon Boat holiday
    ],
)
async def test_the_setting_chooses_the_rules_of_a_complaint_received_before_order_121(
    cast: Cast, limit: str
) -> None:
    bureau = await cast("bureau")
    complaint_id = await file_complaint(bureau, "2026-04-10")
    await post(
        bureau, "complaint.accepted", complaint_id, 2, "2026-04-20", handling_bureau="bureau.hz"
    )

    snapshot = await bureau.get_complaint(complaint_id)

    assert snapshot["rules"] == "samr_order_20"  # the rules in force on receipt
    assert deadlines(snapshot) == {"mediation_limit": limit}


def test_an_unknown_choice_for_pending_complaints_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_PENDING_CASES='sideways'"):
        Settings.from_environ({"COMPLAINT_HUB_PENDING_CASES": "sideways"})
    chosen = Settings.from_environ({"COMPLAINT_HUB_PENDING_CASES": "by_step"})
    assert chosen.pending_cases == "by_step"
