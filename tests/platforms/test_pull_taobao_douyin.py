"""Pull mode end to end for Taobao (taobao.refunds.receive.get) and Douyin (afterSale/List): the
hub polls a simulated gateway, verifies its signed pages, links records by order and resolves."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app import create_app
from hub.clock import CLOCK
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.demo.simulators.douyin import DouyinSimulator
from hub.demo.simulators.gateway import SignedGateway
from hub.demo.simulators.taobao import TaobaoSimulator
from hub.demo.simulators.traffic import (
    DOUYIN_PATHS,
    TAOBAO_PATHS,
    douyin_order_id,
    taobao_tid,
)
from hub.platforms.sync.resources import SYNC_AUTOSTART, SYNC_STATES, SYNC_WORKERS
from hub.platforms.sync.worker import REJECT_UNLINKED, SyncWorker
from hub.settings import Settings
from hub.trust.resources import PARTICIPANTS
from tests.platforms._sync import Clock, routed_case

AMOUNT_FEN = 59900


@dataclasses.dataclass(frozen=True)
class Platform:
    code: str
    kid: str
    make: Callable[[Ed25519PrivateKey, str, Clock], Any]
    order_id: int  # above 2^53, sent as a bare JSON number
    open: Callable[[Any, int, int], Any]  # (sim, order id, amount) -> native id
    steps: Sequence[Any]  # the statuses after the first, in order
    native_kind: str

    @property
    def participant(self) -> str:
        return f"platform.{self.code}"


TAOBAO = Platform(
    code="taobao",
    kid="taobao-gw-2026",
    make=lambda key, kid, clock: TaobaoSimulator(key, kid, clock=clock),
    order_id=3918463734761365258,
    open=lambda sim, order, amount: sim.open(order, amount_fen=amount),
    steps=TAOBAO_PATHS["return_refund"][1:],
    native_kind="refund",
)
DOUYIN = Platform(
    code="douyin",
    kid="douyin-gw-2026",
    make=lambda key, kid, clock: DouyinSimulator(key, kid, clock=clock),
    order_id=4833587476763186359,
    open=lambda sim, order, amount: sim.open(
        order, amount_fen=amount, aftersale_type=DOUYIN_PATHS["return_refund"][0]
    ),
    steps=DOUYIN_PATHS["return_refund"][1][1:],
    native_kind="aftersale",
)
ORDER_IDS = {"taobao": taobao_tid, "douyin": douyin_order_id}


@pytest.fixture(params=[TAOBAO, DOUYIN], ids=lambda p: p.code)
def platform(request: pytest.FixtureRequest) -> Platform:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def sim(platform: Platform, gateway_key: Ed25519PrivateKey, clock: Clock) -> Any:
    return platform.make(gateway_key, platform.kid, clock)


@pytest.fixture
async def gateway(sim: SignedGateway) -> AsyncIterator[TestServer]:
    server = TestServer(sim.app(), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def app(
    settings: Settings, gateway: TestServer, clock: Clock, platform: Platform
) -> web.Application:
    config = {
        platform.code: {
            "base_url": str(gateway.make_url(SignedGateway.path)),
            "participant": platform.participant,
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
async def worker(
    app: web.Application, enrol: Any, gateway_key: Ed25519PrivateKey, platform: Platform
) -> SyncWorker:
    await enrol(platform.participant, "platform", platform=platform.code)
    await app[PARTICIPANTS].add_key(
        platform.participant, platform.kid, public_key_raw(gateway_key.public_key())
    )
    return app[SYNC_WORKERS][platform.code]


@pytest.fixture
async def bureau(enrol: Any) -> Any:
    return await enrol("bureau.hz", "bureau", regions=("330100",))


async def test_pulled_pages_move_a_routed_case_to_resolved_with_the_refund_in_fen(
    app: web.Application,
    worker: SyncWorker,
    sim: Any,
    bureau: Any,
    clock: Clock,
    platform: Platform,
    db: asyncpg.Connection,
) -> None:
    complaint_id = await routed_case(bureau, platform.code, str(platform.order_id), AMOUNT_FEN)
    native_id = platform.open(sim, platform.order_id, AMOUNT_FEN)
    rng = random.Random(3)
    # Everyday traffic on orders no complaint is about: more than one page of 100.
    for _ in range(120):
        platform.open(sim, ORDER_IDS[platform.code](rng), 8900)
    clock.advance(300)

    reports = [await worker.poll_once()]
    for step in platform.steps:
        clock.advance(600)
        sim.update(native_id, step)
        clock.advance(600)
        reports.append(await worker.poll_once())

    assert not any(r.failed for r in reports), [r.error for r in reports]
    assert reports[0].pages == 2  # 121 records in pages of 100
    assert reports[0].records == 121
    assert [r.events_created for r in reports] == [1, 1, 0, 1]
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
    assert pulled[1]["event"]["data"]["kind"] == "return_refund"
    assert {i["event"]["actor"] for i in pulled} == {platform.participant}
    # The native id, a bare JSON number above 2^53 in the page, is kept digit for digit.
    assert native_id > 2**53
    linked = await db.fetchrow(
        "SELECT kind, native_id, complaint_id FROM native_refs WHERE platform = $1"
        " AND complaint_id = $2",
        platform.code,
        complaint_id,
    )
    assert linked is not None
    assert dict(linked) == {
        "kind": platform.native_kind,
        "native_id": str(native_id),
        "complaint_id": complaint_id,
    }
    state = await app[SYNC_STATES].get(platform.code)
    assert state is not None
    assert state.rejects == {REJECT_UNLINKED: 120}
    assert state.backlog is False
    assert state.window_end == clock.now


async def test_the_queries_stay_within_the_documented_limits_and_resume_from_the_cursor(
    worker: SyncWorker, sim: Any, bureau: Any, clock: Clock, platform: Platform
) -> None:
    await routed_case(bureau, platform.code, str(platform.order_id), AMOUNT_FEN)
    platform.open(sim, platform.order_id, AMOUNT_FEN)
    clock.advance(300)
    await worker.poll_once()
    clock.advance(600)

    await worker.poll_once()

    first, second = sim.queries[0].params, sim.queries[-1].params
    if platform.code == "taobao":
        assert first["page_no"] == "1"
        assert first["page_size"] == "100"
        assert first["use_has_next"] == "true"
        assert "buyer_nick" not in first["fields"]  # nothing personal is asked for
        assert len(first["start_modified"]) == len("2026-11-14 10:00:00")
        # The next pass starts where the last ended, less the overlap.
        assert second["start_modified"] < first["end_modified"] <= second["end_modified"]
    else:
        assert first["page"] == "0"
        assert first["size"] == "100"
        assert int(first["update_end_time"]) - int(first["update_start_time"]) == 3600
        assert int(second["update_start_time"]) == int(first["update_end_time"]) - 60


async def test_an_unsigned_page_is_refused_and_writes_nothing(
    app: web.Application,
    worker: SyncWorker,
    sim: Any,
    bureau: Any,
    clock: Clock,
    platform: Platform,
    db: asyncpg.Connection,
) -> None:
    await routed_case(bureau, platform.code, str(platform.order_id), AMOUNT_FEN)
    platform.open(sim, platform.order_id, AMOUNT_FEN)
    clock.advance(60)
    before = await db.fetchval("SELECT count(*) FROM native_refs")
    sim.signing = "unsigned"

    report = await worker.poll_once()

    assert report.failed
    assert await db.fetchval("SELECT count(*) FROM native_refs") == before
    state = await app[SYNC_STATES].get(platform.code)
    assert state is not None
    assert state.consecutive_failures == 1
