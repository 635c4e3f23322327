"""The traffic: complaints filed along the Double-11 shape, each walked through its case.

Every complaint is one task that waits in simulated time between its steps and sends each step
as the participant whose step it is, signed with that participant's key: the filer (a bureau, a
village station, or the platform's own ODR service), the district bureau, the platform (through
its gateway, its native push, or canonical events), the association and the court. A platform
that lets a case lapse leaves the hub's sweeper to record the breach; the bureau then takes the
case into mediation. When `stop` is set, no task sends anything more.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.demo import records
from hub.demo.ledger import Ledger
from hub.demo.setting import ASSOCIATION, CITY, COURT, DISTRICTS, MALLS, District, Mall, Speaks
from hub.demo.simulators.douyin import DouyinSimulator
from hub.demo.simulators.jd import JdSimulator
from hub.demo.simulators.kuaishou import PATHS as KUAISHOU_PATHS
from hub.demo.simulators.kuaishou import KuaishouSimulator
from hub.demo.simulators.pinduoduo import PinduoduoSimulator
from hub.demo.simulators.taobao import TaobaoSimulator
from hub.demo.simulators.traffic import (
    DOUYIN_PATHS,
    JD_PATHS,
    PDD_PATHS,
    TAOBAO_PATHS,
    douyin_order_id,
    jd_order_id,
    pdd_order_sn,
    taobao_tid,
)
from hub.demo.timeline import SHANGHAI, Timeline, intensity
from hub.sdk.client import HubClient, HubError

TICK_S = 0.05
JD_FEED_EVERY_S = 0.2  # real seconds between JD's reads of its native feed
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_RESOLVED, _DECLINED, _LAPSED = "resolved", "declined", "lapsed"
_DISPUTE_REASONS = ("amount_short", "not_performed", "goods_not_as_resolved", "other")


@dataclass
class Case:
    complaint_id: str
    mall: Mall
    district: District
    filer: str
    odr: bool
    order: records.Order
    version: int = 0


@dataclass
class Gateways:
    taobao: TaobaoSimulator
    douyin: DouyinSimulator
    pinduoduo: PinduoduoSimulator
    jd: JdSimulator
    kuaishou: KuaishouSimulator


class Player:
    def __init__(
        self,
        *,
        timeline: Timeline,
        clients: Mapping[str, HubClient],
        gateways: Gateways,
        ledger: Ledger,
        stop: asyncio.Event,
        peak_per_s: float,
        seed: int,
        in_flight: int = 12,
    ) -> None:
        self.timeline = timeline
        self.clients = clients
        self.gateways = gateways
        self.ledger = ledger
        self.stop = stop
        self.peak_per_s = peak_per_s
        self.rng = random.Random(seed)
        self._slots = asyncio.Semaphore(in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self.filed = 0
        self.sent = 0
        self.refused: Counter[str] = Counter()  # problems the hub answered, by type
        self.unfinished: Counter[str] = Counter()  # cases the simulators left half-way

    # -- the shape ---------------------------------------------------------------------------

    async def run(self) -> None:
        """File complaints along the shape until the duration is over or `stop` is set."""
        owed = 0.0
        self._spawn(self._jd_follows_its_feed())
        while not self.stop.is_set() and not self.timeline.over():
            owed += self.peak_per_s * intensity(self.timeline()) * TICK_S
            while owed >= 1:
                owed -= 1
                self._spawn(self._complaint())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=TICK_S)
        self.stop.set()
        # Simulated time stops with the play, so the sweeper's last breaches come at once.
        self.timeline.freeze()
        await self.finish()

    async def finish(self) -> None:
        """Let steps already sent come back; nothing new is sent once `stop` is set."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- one complaint -----------------------------------------------------------------------

    async def _complaint(self) -> None:
        rng = self.rng
        mall = rng.choices(MALLS, weights=[m.share for m in MALLS])[0]
        district = rng.choice(DISTRICTS)
        self.filed += 1
        number = self.filed
        odr = rng.random() < mall.odr_share
        if odr:
            filer = mall.participant.participant_id
            local = f"ODR-{number:06d}"
        else:
            filer = self._bureau_filer(district)
            day = self.timeline().astimezone(SHANGHAI).strftime("%Y%m%d")
            local = f"HZ12315-{day}-{number:06d}"
        case = Case(
            f"{filer}:{local}",
            mall,
            district,
            filer,
            odr,
            records.order(rng, district.region, _order_id(mall, rng)),
        )
        try:
            if not await self._file(case, number):
                return
            if odr:
                await self._odr_case(case)
            else:
                await self._bureau_case(case)
        except HubError as err:
            self.refused[err.slug or "error"] += 1

    def _bureau_filer(self, district: District) -> str:
        draw = self.rng.random()
        if draw < 0.35:
            return CITY.participant_id  # the 12315 hotline and website of the city
        if draw < 0.55 and district.stations:
            return self.rng.choice(district.stations).participant_id
        return district.bureau.participant_id

    async def _file(self, case: Case, number: int) -> bool:
        client = self.clients[case.filer]
        path = f"/v1/complaints/{case.complaint_id}/personal"
        async with self._slots:
            if self.stop.is_set():
                return False
            written = await client.call(
                "PUT", path, json=records.personal(number, case.district.name)
            )
        document = records.filed(
            self.rng,
            case.complaint_id,
            channel="platform_odr" if case.odr else "bureau",
            received_at=self.timeline(),
            region=case.district.region,
            platform=case.mall.code,
            bought=case.order,
            commitment=written["personal_commitment"],
        )
        return await self._post(case, case.filer, document=document)

    async def _bureau_case(self, case: Case) -> None:
        bureau = case.district.bureau.participant_id
        # acceptance within 7 working days; a few lapse while the district is swamped
        late = self.rng.random() < 0.03
        if not await self._wait(timedelta(days=13) if late else self._hours(8)):
            return
        if not await self._send(case, bureau, "complaint.accepted", {"handling_bureau": bureau}):
            return
        if not await self._wait(self._hours(1)):
            return
        if not await self._send(case, bureau, "complaint.routed", {"platform": case.mall.code}):
            return
        answered = await self._platform_answers(case)
        if answered is None or self.stop.is_set():
            return
        if not answered:
            # the platform let the ODR clock run out: the bureau mediates (after the breach)
            if await self._wait(timedelta(days=16)) and await self._send(
                case, bureau, "complaint.escalated", {}
            ):
                await self._mediate(case)
            return
        await self._consumer_answers(case, bureau)

    async def _odr_case(self, case: Case) -> None:
        bureau = case.district.bureau.participant_id
        answered = await self._canonical_answers(case)
        if answered is None or self.stop.is_set():
            return
        if answered != _LAPSED:
            if answered == _RESOLVED:
                speaker = case.filer
                message = records.consumer_message(self.rng)
                data = {"consumer_message": message}
                if await self._wait(self._hours(20)) and await self._send(
                    case, speaker, "complaint.confirmed", data
                ):
                    await self._send(case, speaker, "complaint.closed", {"outcome": "resolved"})
                return
            # the consumer declined: negotiation failed, so the consumer turns to the bureau
            wait = self._hours(30)
        else:
            # the platform never answered; the consumer goes to the bureau once the clock ran out
            wait = timedelta(days=16)
        if not await self._wait(wait):
            return
        if not await self._send(case, bureau, "complaint.escalated", {}):
            return
        if not await self._wait(self._hours(10)):
            return
        if await self._send(case, bureau, "complaint.accepted", {"handling_bureau": bureau}):
            await self._mediate(case)

    # -- the platform's side -----------------------------------------------------------------

    async def _platform_answers(self, case: Case) -> bool | None:
        """True once resolved, False when it lapses, None when the run ends first."""
        if self.rng.random() < case.mall.late_share:
            return False
        if case.mall.speaks is Speaks.CANONICAL:
            answered = await self._canonical_answers(case)
            return None if answered is None else answered == _RESOLVED
        if case.mall.code == "jd":
            return await self._jd_answers(case)
        if case.mall.code == "kuaishou":
            return await self._kuaishou_answers(case)
        return await self._gateway_answers(case)

    async def _canonical_answers(self, case: Case) -> str | None:
        """The platform acknowledges, offers, hears the consumer and refunds: `_RESOLVED`;
        `_DECLINED` when an ODR consumer refuses the offer, `_LAPSED` when an ODR case lapses;
        None if the run ended or a step was refused."""
        platform = case.mall.participant.participant_id
        if case.odr and self.rng.random() < case.mall.late_share:
            return _LAPSED
        if not await self._wait(self._hours(case.mall.answer_hours)):
            return None
        if not await self._send(case, platform, "complaint.acknowledged", {}):
            return None
        amount = case.order.amount_fen
        kind = self.rng.choices(("refund", "return_refund", "compensation"), (6, 3, 1))[0]
        offer_id = f"offer-{self.rng.randrange(10**11, 10**12)}"
        if not await self._wait(self._hours(6)):
            return None
        offer = {"offer_id": offer_id, "kind": kind, "amount_fen": amount}
        if not await self._send(case, platform, "complaint.offer_made", offer):
            return None
        declined = self.rng.random() < 0.12
        if declined and not case.odr:
            # the bureau passes on the refusal; the platform comes back with a better offer
            refusal = {"offer_id": offer_id, "answer": "declined"}
            if not await self._wait(self._hours(12)) or not await self._send(
                case, case.filer, "complaint.offer_answered", refusal
            ):
                return None
            offer_id = f"offer-{self.rng.randrange(10**11, 10**12)}"
            kind = "compensation"
            amount = amount + amount // 10  # goods refunded plus a tenth for the trouble
            offer = {"offer_id": offer_id, "kind": kind, "amount_fen": amount}
            if not await self._wait(self._hours(20)) or not await self._send(
                case, platform, "complaint.offer_made", offer
            ):
                return None
            declined = False
        answer: dict[str, Any] = {
            "offer_id": offer_id,
            "answer": "declined" if declined else "accepted",
        }
        if case.odr:
            answer["consumer_message"] = records.consumer_message(self.rng)
        if not await self._wait(self._hours(12)):
            return None
        if not await self._send(case, case.filer, "complaint.offer_answered", answer):
            return None
        if declined:
            return _DECLINED  # negotiation failed: the ODR consumer goes to the bureau
        # a merchant the platform cannot name and reach: the platform compensates first (CPL 44)
        advance = self.rng.random() < 0.08
        resolved = {
            "resolution": "advance_compensation" if advance else _resolution(kind),
            "amount_fen": amount,
            "platform_intervened": advance or self.rng.random() < 0.2,
        }
        if not await self._wait(self._hours(18)):
            return None
        if not await self._send(case, platform, "complaint.resolved", resolved):
            return None
        return _RESOLVED

    async def _gateway_answers(self, case: Case) -> bool | None:
        """Taobao, Douyin and Pinduoduo answer on their own after-sales service; the hub pulls."""
        if not await self._wait(self._hours(case.mall.answer_hours)):
            return None
        amount = case.order.amount_fen
        order_id = case.order.order_id
        code = case.mall.code
        kind = "refund" if self.rng.random() < 0.6 else "return_refund"
        update: Callable[[Any], None]
        if code == "taobao":
            taobao = self.gateways.taobao
            statuses: list[Any] = list(TAOBAO_PATHS[kind])
            refund_id = taobao.open(int(order_id), amount_fen=amount)
            update = lambda status: taobao.update(refund_id, status)  # noqa: E731
        elif code == "douyin":
            douyin = self.gateways.douyin
            aftersale_type, douyin_statuses = DOUYIN_PATHS[kind]
            statuses = list(douyin_statuses)
            aftersale_id = douyin.open(
                int(order_id), amount_fen=amount, aftersale_type=aftersale_type
            )
            update = lambda status: douyin.update(aftersale_id, status)  # noqa: E731
        else:
            pdd = self.gateways.pinduoduo
            after_sales_type, pdd_statuses = PDD_PATHS[kind]
            statuses = list(pdd_statuses)
            record_id = pdd.open(
                order_id,
                amount_fen=amount,
                after_sales_type=after_sales_type,
                status=pdd_statuses[0],
                goods_name=case.order.goods,
            )
            update = lambda status: pdd.update(record_id, status)  # noqa: E731
        for status in statuses[1:]:
            if not await self._wait(self._hours(10)):
                return None
            update(status)
        return await self._until_resolved(case)

    async def _jd_follows_its_feed(self) -> None:
        """JD's back-end reads its native feed as it grows, opening a service per routed case."""
        while not self.stop.is_set():
            async with self._slots:
                await self.gateways.jd.pull_feed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=JD_FEED_EVERY_S)

    async def _jd_answers(self, case: Case) -> bool | None:
        """JD opens an after-sales service from its feed and pushes each step of it."""
        jd = self.gateways.jd
        if not await self._wait(self._hours(case.mall.answer_hours)):
            return None
        for _ in range(36):
            if case.complaint_id in jd.services:
                break
            if not await self._wait(2 * _HOUR):
                return None
        else:
            self.unfinished["JD opened no service"] += 1
            return None
        _, steps = JD_PATHS["return"]
        for step in steps:
            async with self._slots:
                if self.stop.is_set():
                    return None
                amount = case.order.amount_fen if step >= 31 else None
                response = await jd.advance(case.complaint_id, step, suggest_amount_fen=amount)
            self.sent += 1
            if response.status >= 400:
                self.refused[f"JD push answered {response.status}"] += 1
                return None
            if not await self._wait(self._hours(8)):
                return None
        return await self._until_resolved(case)

    async def _kuaishou_answers(self, case: Case) -> bool | None:
        """The Kuaishou shop opens a refund on the order and pushes each change of it."""
        kuaishou = self.gateways.kuaishou
        if not await self._wait(self._hours(case.mall.answer_hours)):
            return None
        handling_way = 10 if self.rng.random() < 0.6 else 1
        kuaishou.open(
            case.complaint_id,
            int(case.order.order_id),
            amount_fen=case.order.amount_fen,
            handling_way=handling_way,
        )
        for status in KUAISHOU_PATHS[handling_way]:
            async with self._slots:
                if self.stop.is_set():
                    return None
                response = await kuaishou.push(case.complaint_id, status)
            self.sent += 1
            if response.status >= 400:
                self.refused[f"Kuaishou push answered {response.status}"] += 1
                return None
            if not await self._wait(self._hours(8)):
                return None
        return await self._until_resolved(case)

    async def _until_resolved(self, case: Case) -> bool | None:
        """Wait (in simulated half days) until the bureau's feed shows the case resolved."""
        for _ in range(16):
            if self.ledger_status(case) == "resolved":
                return True
            if not await self._wait(12 * _HOUR):
                return None
        self.unfinished[f"{case.mall.code} resolution not seen within 8 days"] += 1
        return None

    # -- the consumer, the association and the court ------------------------------------------

    async def _consumer_answers(self, case: Case, bureau: str) -> None:
        if not await self._wait(self._hours(20)):
            return
        if self.rng.random() < 0.8:
            if await self._send(case, case.filer, "complaint.confirmed", {}):
                await self._wait(self._hours(4)) and await self._send(
                    case, bureau, "complaint.closed", {"outcome": "resolved"}
                )
            return
        reason = self.rng.choice(_DISPUTE_REASONS)
        if await self._send(case, case.filer, "complaint.disputed", {"reason": reason}):
            await self._mediate(case)

    async def _mediate(self, case: Case) -> None:
        """The bureau delegates mediation to the association; no agreement goes to the court."""
        bureau = case.district.bureau.participant_id
        association = ASSOCIATION.participant_id
        if not await self._wait(self._hours(16)):
            return
        delegated = {"mediator": association}
        if not await self._send(case, bureau, "mediation.started", delegated):
            return
        if not await self._wait(timedelta(days=self.rng.uniform(1.5, 5))):
            return
        if self.rng.random() < 0.65:
            amount = case.order.amount_fen
            document = f"TJ-{self.rng.randrange(10**7, 10**8)}"
            concluded: dict[str, Any] = {
                "agreement": True,
                "amount_fen": amount,
                "parties_consented": True,
                "agreement_document": {
                    "document_id": document,
                    "sha256": records.consumer_message(self.rng)["sha256"],
                },
            }
            if await self._send(case, association, "mediation.concluded", concluded):
                await self._wait(self._hours(8)) and await self._send(
                    case, bureau, "complaint.closed", {"outcome": "resolved"}
                )
            return
        concluded = {
            "agreement": False,
            "ground": "no_agreement_possible",
            "parties_consented": True,
        }
        if not await self._send(case, association, "mediation.concluded", concluded):
            return
        if not await self._wait(self._hours(30)):
            return
        referred = {"court": COURT.participant_id}
        if await self._send(case, bureau, "case.referred", referred):
            await self._wait(timedelta(days=2)) and await self._send(
                case, bureau, "complaint.closed", {"outcome": "referred"}
            )

    # -- sending -----------------------------------------------------------------------------

    def ledger_status(self, case: Case) -> str | None:
        tally = self.ledger.cases.get(case.complaint_id)
        return None if tally is None else tally.status.value

    async def _send(self, case: Case, sender: str, event_type: str, data: dict[str, Any]) -> bool:
        return await self._post(case, sender, event_type=event_type, data=data)

    async def _post(
        self,
        case: Case,
        sender: str,
        *,
        document: dict[str, Any] | None = None,
        event_type: str = "",
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Send one event as `sender`; on a stale version (the hub or a pulled record moved the
        case on meanwhile) re-read the case and extend its current version, up to three times."""
        client = self.clients[sender]
        for _ in range(3):
            if document is None:
                now = self.timeline()
                document = records.event(
                    self.rng, event_type, case.complaint_id, case.version + 1, now, data or {}
                )
            async with self._slots:
                if self.stop.is_set():
                    return False
                try:
                    await client.post_event(document)
                except HubError as err:
                    if err.status != 409 or err.slug != "stale-version":
                        self.refused[f"{err.slug or err.status} ({document['type']})"] += 1
                        return False
                    snapshot = await client.get_complaint(case.complaint_id)
                    case.version = int(snapshot["version"])
                    document = None
                    continue
            self.sent += 1
            case.version = int(document["version"])
            return True
        self.refused["stale-version"] += 1
        return False

    async def _wait(self, span: timedelta) -> bool:
        return await self.timeline.sleep_until(self.timeline() + span, self.stop)

    def _hours(self, median: float) -> timedelta:
        """A realistic, skewed delay around `median` hours (log-normal)."""
        return timedelta(hours=median * math.exp(self.rng.gauss(0, 0.6)))


def _resolution(offer_kind: str) -> str:
    return "refund" if offer_kind == "return_refund" else offer_kind


def _order_id(mall: Mall, rng: random.Random) -> str:
    if mall.code == "taobao":
        return str(taobao_tid(rng))
    if mall.code == "douyin":
        return str(douyin_order_id(rng))
    if mall.code == "pinduoduo":
        return pdd_order_sn(rng)
    if mall.code == "kuaishou":
        return str(rng.randrange(6 * 10**18, 7 * 10**18))  # 19 digits, above 2^53
    return jd_order_id(rng)


def sim_day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
