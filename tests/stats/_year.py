"""A generated year of complaints across 15 platforms and 3 districts, appended in bulk through
the event store (real decisions, real receipts) with the injected clock; and the same figures
computed straight from the stored events, for the tests to compare with."""

from __future__ import annotations

import copy
import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from hub.domain.deadlines import OWNER, DeadlineName, Owner
from hub.domain.roles import Actor, Role
from hub.services.intake import build_pending
from hub.services.resources import CHECKS
from hub.store.resources import EVENT_STORE
from tests.conftest import example

PLATFORMS = (
    "taobao", "tmall", "jd", "pinduoduo", "douyin", "kuaishou", "vipshop", "suning",
    "meituan", "dangdang", "xianyu", "xiaohongshu", "dewu", "jumei", "yanxuan",
)  # fmt: skip
# Hangzhou: Shangcheng, Xihu, Binjiang; each with its bureau
DISTRICTS = {
    "330102": "bureau.hz.shangcheng",
    "330106": "bureau.hz.xihu",
    "330108": "bureau.hz.binjiang",
}
CITY_BUREAU = ("bureau.hz", "330100")
PROVINCE_BUREAU = ("bureau.zj", "330000")
FAR_BUREAU = ("bureau.bj", "110000")
CATEGORIES = (
    ("quality", "defect_or_malfunction"),
    ("after_sales", "refund_late"),
    ("after_sales", "seven_day_return_refused"),
    ("contract", "late_or_no_delivery"),
    ("false_advertising", "livestream_claims"),
    ("counterfeit", "counterfeit_or_pirated"),
    ("price", None),
)
MERCHANT = {"name": "杭州示例数码专营店有限公司", "uscc": "91330106MA2CFT7E8D"}
CHINA = dt.timezone(dt.timedelta(hours=8))
YEAR = 2026


@dataclass
class Clock:
    now: dt.datetime = dt.datetime(2027, 1, 5, 10, 0, tzinfo=CHINA)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Year:
    complaints: int = 0
    reports: int = 0
    events: int = 0
    plans: list[list[tuple[Actor, dict[str, Any]]]] = field(default_factory=list)


def bureau(participant_id: str, region: str) -> Actor:
    return Actor(participant_id, Role.BUREAU, regions=(region,))


def platform(code: str) -> Actor:
    return Actor(f"platform.{code}", Role.PLATFORM, platform=code)


HUB = Actor("hub", Role.HUB)


def _event(
    event_type: str, complaint_id: str, version: int, when: dt.datetime, **data: Any
) -> dict[str, Any]:
    doc = copy.deepcopy(example(event_type))
    doc.update(
        event_id=str(uuid.uuid4()),
        complaint_id=complaint_id,
        version=version,
        occurred_at=when.isoformat(),
    )
    doc["data"] = {**doc["data"], **data}
    return doc


def plan_year(seed: int = 2026, complaints: int = 1500, reports: int = 60) -> Year:
    """Each chain as (actor, event) in version order; deterministic for a seed."""
    rng = random.Random(seed)
    year = Year()
    districts = sorted(DISTRICTS)
    for n in range(complaints):
        code = PLATFORMS[min(int(rng.paretovariate(1.2)) - 1, len(PLATFORMS) - 1)]
        district = rng.choice(districts)
        received = dt.datetime(YEAR, 1, 1, 9, tzinfo=CHINA) + dt.timedelta(
            days=rng.randrange(365), minutes=rng.randrange(480)
        )
        level1, level2 = rng.choice(CATEGORIES)
        category: dict[str, Any] = {"level1": level1, "livestream": rng.random() < 0.2}
        if level2:
            category["level2"] = level2
        claimed = rng.randrange(1000, 500000)
        respondent: dict[str, Any] = {"platform": code}
        if rng.random() < 0.3:
            respondent["merchant"] = MERCHANT
        odr = rng.random() < 0.25
        filer = platform(code) if odr else bureau(DISTRICTS[district], district)
        cid = f"{filer.participant_id}:HZ-{seed}-{n:05d}"  # in its filer's namespace
        filed = {
            "channel": "platform_odr" if odr else "bureau",
            "received_at": received.isoformat(),
            "region": district,
            "respondent": respondent,
            "category": category,
            "demand": {"kind": "refund", "amount_fen": claimed},
        }
        if not odr:
            filed["order"] = {
                "order_id": str(rng.randrange(10**18)),
                "signed_for_on": (received.date() - dt.timedelta(days=2)).isoformat(),
            }
        else:
            filed.pop("order", None)
        chain: list[tuple[Actor, dict[str, Any]]] = []
        version = 0

        def add(
            actor: Actor,
            event_type: str,
            offset_days: int,
            *,
            chain: list[tuple[Actor, dict[str, Any]]] = chain,
            cid: str = cid,
            received: dt.datetime = received,
            **data: Any,
        ) -> None:
            nonlocal version
            version += 1
            when = received + dt.timedelta(days=offset_days, hours=1)
            chain.append((actor, _event(event_type, cid, version, when, **data)))

        add(filer, "complaint.filed", 0, **filed)
        if not odr and "order" not in filed:
            pass
        handler = filer
        roll = rng.random()
        days = rng.randrange(1, 70)
        amount = rng.randrange(0, claimed + 1)
        resolution = "advance_compensation" if rng.random() < 0.1 else "refund"
        if odr:
            add(filer, "complaint.acknowledged", 1)
            if roll < 0.8:
                add(
                    filer,
                    "complaint.offer_made",
                    days - 1 if days > 1 else 1,
                    offer_id="o1",
                    kind="refund",
                    amount_fen=amount,
                )
                add(
                    filer,
                    "complaint.resolved",
                    days,
                    resolution=resolution,
                    amount_fen=amount,
                    platform_intervened=False,
                )
        else:
            if roll < 0.1:
                chain.append(
                    (
                        HUB,
                        _event(
                            "deadline.breached",
                            cid,
                            version + 1,
                            received + dt.timedelta(days=12),
                            deadline="acceptance_decision",
                            due_on=(received.date() + dt.timedelta(days=9)).isoformat(),
                            responsible=handler.participant_id,
                        ),
                    )
                )
                version += 1
            if roll < 0.15:
                other = rng.choice([d for d in districts if d != district])
                add(
                    handler,
                    "case.transferred",
                    1,
                    to_bureau=DISTRICTS[other],
                    reason="merchant_location",
                )
                handler = bureau(DISTRICTS[other], other)
            if roll < 0.9:
                add(handler, "complaint.accepted", 2, handling_bureau=handler.participant_id)
                add(handler, "complaint.routed", 3, platform=code)
                add(platform(code), "complaint.acknowledged", 3)
                if roll < 0.75:
                    add(
                        platform(code),
                        "complaint.offer_made",
                        max(3, days - 1),
                        offer_id="o1",
                        kind="refund",
                        amount_fen=amount,
                    )
                    add(
                        platform(code),
                        "complaint.resolved",
                        max(3, days),
                        resolution=resolution,
                        amount_fen=amount,
                        platform_intervened=False,
                    )
                    if roll < 0.6 and handler == filer:
                        add(filer, "complaint.confirmed", max(3, days) + 1)
                        add(handler, "complaint.closed", max(3, days) + 2, outcome="resolved")
        year.plans.append(chain)
        year.complaints += 1
        year.events += len(chain)
    for n in range(reports):
        district = rng.choice(districts)
        rid = f"{DISTRICTS[district]}:HZ-JB-{seed}-{n:04d}"
        received = dt.datetime(YEAR, 1, 1, 9, tzinfo=CHINA) + dt.timedelta(days=rng.randrange(365))
        doc = _event(
            "report.received",
            rid,
            1,
            received,
            received_at=received.isoformat(),
            region=district,
            respondent={"platform": rng.choice(PLATFORMS[:4])},
        )
        doc["data"].pop("filed_with", None)
        year.plans.append([(bureau(DISTRICTS[district], district), doc)])
        year.reports += 1
        year.events += 1
    return year


async def append_year(
    app: web.Application, year: Year, first: int = 0, stop: int | None = None
) -> None:
    """Append the planned chains version by version, in bulk per actor (the steps of each
    chain from index `first` up to `stop`: all of them unless told)."""
    store = app[EVENT_STORE]
    checks = app[CHECKS]
    depth = max(len(chain) for chain in year.plans)
    for index in range(first, depth if stop is None else min(stop, depth)):
        by_actor: dict[Actor, list[Any]] = defaultdict(list)
        for chain in year.plans:
            if index < len(chain):
                actor, doc = chain[index]
                by_actor[actor].append(build_pending(doc, actor.participant_id, None))
        for actor, pendings in by_actor.items():
            results = await store.append_many(pendings, checks.for_domain_actor(actor))
            refused = [r for r in results if isinstance(r, Exception)]
            assert not refused, (actor, refused[:3])


async def stored_events(db: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT body, actor FROM events ORDER BY position")
    return [{**orjson.loads(bytes(r["body"])), "actor": r["actor"]} for r in rows]


@dataclass
class Fact:
    """One complaint as read straight off its events, independently of the hub's fold."""

    kind: str
    region: str
    platform: str
    received_on: dt.date
    level1: str | None = None
    livestream: bool = False
    channel: str = "bureau"
    merchant: str = "none"
    claimed_fen: int = 0
    accepted: bool = False
    resolved_on: dt.date | None = None
    recovered_fen: int = 0
    resolution: str | None = None
    handler: str | None = None
    breaches: int = 0  # charged to the platform (or its merchant)
    bureau_breaches: int = 0  # charged to the bureau (or the mediator)


def facts(events: Iterable[dict[str, Any]]) -> dict[str, Fact]:
    result: dict[str, Fact] = {}
    for e in events:
        data = e["data"]
        cid = e["complaint_id"]
        kind = e["type"]
        local = dt.datetime.fromisoformat(e["occurred_at"]).astimezone(CHINA).date()
        if kind in ("complaint.filed", "report.received"):
            received = dt.datetime.fromisoformat(data["received_at"]).astimezone(CHINA).date()
            fact = Fact(
                "report" if kind == "report.received" else "complaint",
                data["region"],
                data["respondent"]["platform"],
                received,
            )
            if kind == "complaint.filed":
                fact.level1 = data["category"]["level1"]
                fact.livestream = data["category"]["livestream"]
                fact.channel = data["channel"]
                fact.merchant = data["respondent"].get("merchant", {}).get("uscc", "none")
                fact.claimed_fen = data["demand"]["amount_fen"]
                fact.handler = e["actor"] if data["channel"] == "bureau" else None
            result[cid] = fact
            continue
        fact = result[cid]
        if kind == "complaint.accepted":
            fact.accepted = True
            fact.handler = data.get("handling_bureau", e["actor"])
        elif kind == "case.transferred":
            fact.handler = data["to_bureau"]
            fact.region = next(r for r, b in DISTRICTS.items() if b == data["to_bureau"])
        elif kind == "complaint.resolved":
            fact.resolved_on = local
            fact.recovered_fen = data["amount_fen"]
            fact.resolution = data["resolution"]
        elif kind == "deadline.breached":
            if OWNER[DeadlineName(data["deadline"])] in (Owner.PLATFORM, Owner.MERCHANT):
                fact.breaches += 1
            else:
                fact.bureau_breaches += 1
    return result
