"""Pull mode end to end: the hub polls a simulated Pinduoduo gateway, verifies, ingests, resumes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app import create_app
from hub.clock import CLOCK
from hub.crypto import MessageView, parse_signatures, verify_request
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.demo.simulators.pinduoduo import PATH, PinduoduoSimulator
from hub.platforms.sync.resources import SYNC_AUTOSTART, SYNC_STATES, SYNC_WORKERS
from hub.platforms.sync.worker import SyncWorker
from hub.settings import Settings
from hub.store.evidence import EvidenceSeals
from hub.store.resources import POOL
from hub.trust.resources import HUB_SIGNER, PARTICIPANTS
from hub.vault.native_evidence import open_evidence
from hub.vault.resources import MASTER_KEYS
from tests.platforms._sync import Clock, routed_case
from tests.waiting import eventually

PDD = "platform.pinduoduo"
PDD_KID = "pdd-gateway-2026"
ORDER_SN = "261111-434073824910838"
AMOUNT_FEN = 1990


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pdd_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def sim(pdd_key: Ed25519PrivateKey, clock: Clock) -> PinduoduoSimulator:
    return PinduoduoSimulator(pdd_key, PDD_KID, clock=clock)


@pytest.fixture
async def gateway(sim: PinduoduoSimulator) -> AsyncIterator[TestServer]:
    server = TestServer(sim.app(), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def app(settings: Settings, gateway: TestServer, clock: Clock) -> web.Application:
    """The hub, configured to poll the simulated gateway; polls are driven by the tests."""
    config = {
        "pinduoduo": {
            "base_url": str(gateway.make_url(PATH)),
            "participant": PDD,
            "interval_s": 60,
            "overlap_s": 60,
            "initial_lookback_s": 3600,
        }
    }
    (settings.data_dir / "platforms.json").write_text(json.dumps(config))
    app = create_app(settings)
    app[CLOCK] = clock
    app[SYNC_AUTOSTART] = False
    return app


@pytest.fixture
async def worker(app: web.Application, enrol: Any, pdd_key: Ed25519PrivateKey) -> SyncWorker:
    """The Pinduoduo poller, with the platform registered and its gateway key on file."""
    await enrol(PDD, "platform", platform="pinduoduo")
    await app[PARTICIPANTS].add_key(PDD, PDD_KID, public_key_raw(pdd_key.public_key()))
    return app[SYNC_WORKERS]["pinduoduo"]


@pytest.fixture
async def bureau(enrol: Any) -> Any:
    return await enrol("bureau.hz", "bureau", regions=("330100",))


async def counts(db: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await db.fetchval("SELECT count(*) FROM events"),
        await db.fetchval("SELECT count(*) FROM evidence"),
        await db.fetchval("SELECT count(*) FROM native_refs"),
    )


async def test_pulled_pinduoduo_windows_move_a_routed_case_to_resolved_with_the_refund_in_fen(
    app: web.Application, worker: SyncWorker, sim: PinduoduoSimulator, bureau: Any, clock: Clock
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    record_id = sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)  # refund requested, awaiting merchant
    clock.advance(300)

    first = await worker.poll_once()
    clock.advance(600)
    sim.update(record_id, 4)  # merchant agreed, refunding
    clock.advance(600)
    second = await worker.poll_once()
    clock.advance(600)
    sim.update(record_id, 10)  # refunded
    clock.advance(600)
    third = await worker.poll_once()

    # The first pass looks back an hour: two 30-minute windows.
    assert (first.pages, first.events_created) == (2, 1)
    assert (second.events_created, third.events_created) == (1, 1)
    assert not any(r.failed for r in (first, second, third))
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "resolved"
    assert snapshot["amount_recovered_fen"] == AMOUNT_FEN
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    pulled = chain["events"][3:]
    assert [i["event"]["type"] for i in pulled] == [
        "complaint.acknowledged",
        "complaint.offer_made",
        "complaint.resolved",
    ]
    assert {i["event"]["actor"] for i in pulled} == {PDD}
    state = await app[SYNC_STATES].get("pinduoduo")
    assert state is not None
    assert state.rejects == {}
    assert state.backlog is False
    assert state.consecutive_failures == 0
    assert state.last_success_at == clock.now
    assert state.window_end == clock.now
    assert state.lease_holder is None  # released after each poll


async def test_the_verified_gateway_answer_is_kept_as_the_evidence_of_the_pulled_events(
    app: web.Application,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    bureau: Any,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(60)

    await worker.poll_once()

    row = await db.fetchrow(
        "SELECT ev.evidence_id, ev.sender, ev.kid, ev.body, ev.sealed FROM events e"
        " JOIN evidence ev USING (evidence_id) WHERE e.complaint_id = $1 AND e.version = 4",
        complaint_id,
    )
    assert (row["sender"], row["kid"]) == (PDD, PDD_KID)
    # The page names its buyers: it is kept only sealed under a key of the complaint's.
    assert (row["sealed"], bytes(row["body"])) == (True, b"")
    seals = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
    seal = next(s.seal for s in seals if s.evidence_id == row["evidence_id"])
    assert seal is not None
    opened = open_evidence(app[MASTER_KEYS].keys, seal).evidence
    answer = json.loads(opened.body)
    assert [str(r["id"]) for r in answer["refund_increment_get_response"]["refund_list"]] == [
        next(iter(sim.records))
    ]
    covered = opened.covered
    # The platform signed its status, its body digest and the hub's own signed query.
    assert {'"@status"', '"content-digest"', '"@query";req', '"signature";req'} <= set(covered)
    # The query itself was signed with the hub's key, for anyone holding the JWKS to check.
    # A pulled page holds other orders' records: the bureau reads the case without it.
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    assert "evidence" in chain["events"][0]  # the bureau's own filing
    assert all("evidence" not in item for item in chain["events"][3:])
    query = sim.queries[-1]
    parsed = parse_signatures(query.headers["Signature-Input"], query.headers["Signature"])[0]
    hub_key = app[HUB_SIGNER].active()
    assert parsed.params.keyid == hub_key.kid
    verify_request(
        parsed,
        MessageView.for_request("GET", query.url, list(query.headers.items())),
        b"",
        hub_key.private_key.public_key(),
        now=int(clock.now.timestamp()),
    )


async def test_an_overlapping_window_redelivers_records_without_duplicating_events(
    app: web.Application,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    bureau: Any,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    record_id = sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(300)
    await worker.poll_once()
    clock.advance(1200)
    sim.update(record_id, 4)
    clock.advance(30)  # the update lies within the next pass's 60-second overlap
    await worker.poll_once()
    before = await counts(db)
    clock.advance(120)

    again = await worker.poll_once()

    served = [q.served for q in sim.queries if (record_id, 4) in q.served]
    assert len(served) == 2  # delivered by the pass that saw it, and again by the overlap
    assert again.records == 1
    assert again.events_created == 0
    assert await counts(db) == before


async def test_an_update_the_platform_indexed_late_is_caught_by_the_overlap(
    worker: SyncWorker, sim: PinduoduoSimulator, bureau: Any, clock: Clock
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    record_id = sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(300)
    await worker.poll_once()
    clock.advance(-40)
    sim.update(record_id, 4)  # stamped 40 s before the last pass ended, visible only now
    clock.advance(40 + 300)

    late = await worker.poll_once()

    assert late.events_created == 1
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "negotiating"


async def test_unsigned_and_wrongly_signed_answers_are_refused_counted_and_write_nothing(
    app: web.Application,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    bureau: Any,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(300)
    before = await counts(db)

    sim.signing = "unsigned"
    unsigned = await worker.poll_once()
    sim.signing = "wrong_key"
    clock.advance(60)
    wrong_key = await worker.poll_once()

    assert unsigned.error == "refused: response-unsigned"
    assert wrong_key.error == "refused: signature-invalid"
    assert await counts(db) == before
    state = await app[SYNC_STATES].get("pinduoduo")
    assert state is not None
    assert state.rejects == {"response-unsigned": 1, "signature-invalid": 1}
    assert state.cursor is None  # nothing was accepted, so nothing was skipped
    assert state.consecutive_failures == 2
    assert state.last_error == "refused: signature-invalid"

    # Once the platform signs again, the same records are pulled and applied: nothing lost.
    sim.signing = "valid"
    clock.advance(60)
    recovered = await worker.poll_once()

    assert recovered.events_created == 1
    assert (await bureau.get_complaint(complaint_id))["status"] == "acknowledged"
    state = await app[SYNC_STATES].get("pinduoduo")
    assert state is not None
    assert state.consecutive_failures == 0


async def test_an_answer_signed_with_another_participants_valid_key_is_refused(
    app: web.Application,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    enrol: Any,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    await enrol("platform.jd", "platform", platform="jd")
    jd_key = generate_private_key()
    await app[PARTICIPANTS].add_key("platform.jd", "jd-2026", public_key_raw(jd_key.public_key()))
    sim.signing_key, sim.kid = jd_key, "jd-2026"  # the gateway now signs with JD's key
    sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    before = await counts(db)

    report = await worker.poll_once()

    assert report.error == "refused: foreign-key"
    assert await counts(db) == before
    state = await app[SYNC_STATES].get("pinduoduo")
    assert state is not None
    assert state.rejects == {"foreign-key": 1}


async def test_a_busy_window_is_pulled_in_pages_and_unrelated_records_are_counted_unlinked(
    app: web.Application, worker: SyncWorker, sim: PinduoduoSimulator, bureau: Any, clock: Clock
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    sim.background(150)  # everyday after-sales traffic on orders no complaint is about
    sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(60)

    report = await worker.poll_once()

    # The last 30-minute window holds 151 records: pages of 100 and 51.
    assert report.pages == 3
    assert report.records == 151
    assert report.events_created == 1
    state = await app[SYNC_STATES].get("pinduoduo")
    assert state is not None
    assert state.rejects == {"unlinked-record": 150}
    assert state.records == 151
    assert (await bureau.get_complaint(complaint_id))["status"] == "acknowledged"


async def test_a_poll_waits_while_another_process_holds_the_platforms_lease(
    app: web.Application, worker: SyncWorker, sim: PinduoduoSimulator, clock: Clock
) -> None:
    states = app[SYNC_STATES]
    await states.ensure("pinduoduo", clock.now)
    assert await states.claim_lease("pinduoduo", "other-hub:1", clock.now, _after(clock, 60))

    blocked = await worker.poll_once()
    clock.advance(61)  # the other holder's lease lapsed without being renewed
    resumed = await worker.poll_once()

    assert blocked.leased is False
    assert resumed.leased is True
    assert len(sim.queries) == resumed.pages


def _after(clock: Clock, seconds: int) -> datetime:
    return clock.now + timedelta(seconds=seconds)


async def test_a_started_hub_polls_on_its_own_and_stops_cleanly(
    settings: Settings,
    worker: SyncWorker,
    sim: PinduoduoSimulator,
    gateway: TestServer,
    bureau: Any,
    clock: Clock,
    db: asyncpg.Connection,
) -> None:
    complaint_id = await routed_case(bureau, "pinduoduo", ORDER_SN, AMOUNT_FEN)
    sim.open(ORDER_SN, amount_fen=AMOUNT_FEN)
    clock.advance(60)
    # A second hub process on the same database, polling every 50 ms by itself.
    data_dir = settings.data_dir / "second"
    data_dir.mkdir()
    target = {"base_url": str(gateway.make_url(PATH)), "participant": PDD, "interval_s": 0.05}
    (data_dir / "platforms.json").write_text(json.dumps({"pinduoduo": target}))
    # Replicas share the hub's key file (a secret in production).
    shared_key = settings.data_dir / "hub-key.pem"
    second = create_app(dataclasses.replace(settings, data_dir=data_dir, hub_key_file=shared_key))
    second[CLOCK] = clock

    async with TestClient(TestServer(second, host="127.0.0.1")):

        async def acknowledged() -> bool:
            return (await bureau.get_complaint(complaint_id))["status"] == "acknowledged"

        await eventually(acknowledged)
    # Stopping cancelled the poller between polls or inside one: the lease is free either way.
    assert await db.fetchval("SELECT lease_holder FROM sync_state") is None
