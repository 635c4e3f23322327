"""The demo's canonical events and personal parts, built from a seeded random source. No I/O.

Every consumer is obviously invented: names read 示例消费者 (example consumer) with a number,
phones are 1380000xxxx, addresses lie on 测试路 (test road), and every narrative says it is
demo data. They travel only in the encrypted personal part, never in an event.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.demo.simulators.traffic import GOODS
from hub.demo.timeline import SHANGHAI
from hub.domain.uscc import check_character

CATEGORIES: tuple[tuple[str, str, float], ...] = (
    # (level 1, level 2, weight): after-sales and quality lead, as in the association's figures
    ("after_sales", "seven_day_return_refused", 0.12),
    ("after_sales", "refund_late", 0.10),
    ("after_sales", "customer_service_unreachable", 0.05),
    ("after_sales", "platform_not_helping", 0.03),
    ("quality", "defect_or_malfunction", 0.16),
    ("quality", "spoiled_goods", 0.04),
    ("contract", "order_cancelled_or_promotion_not_honoured", 0.12),
    ("contract", "late_or_no_delivery", 0.10),
    ("contract", "damaged_short_wrong_or_empty_parcel", 0.06),
    ("false_advertising", "listing_not_matching_item", 0.08),
    ("false_advertising", "livestream_claims", 0.04),
    ("price", "order_cancelled_or_promotion_not_honoured", 0.04),
    ("counterfeit", "counterfeit_or_pirated", 0.03),
    ("safety", "defect_or_malfunction", 0.03),
)


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    goods: str
    amount_fen: int
    merchant_name: str
    merchant_uscc: str
    level1: str
    level2: str
    livestream: bool


def local_text(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def new_event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def event(
    rng: random.Random,
    event_type: str,
    complaint_id: str,
    version: int,
    occurred_at: datetime,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "event_id": new_event_id(rng),
        "complaint_id": complaint_id,
        "version": version,
        "type": event_type,
        "occurred_at": local_text(occurred_at),
        "data": data,
    }


def uscc(rng: random.Random, region: str) -> str:
    """A well-formed unified social credit code of a company registered in `region`."""
    first17 = (
        "9133" + region[2:] + "MA" + "".join(rng.choice("0123456789ABCDEFGH") for _ in range(7))
    )
    return first17 + check_character(first17)


def order(rng: random.Random, region: str, order_id: str) -> Order:
    goods, amount_fen = rng.choice(GOODS)
    level1, level2 = _category(rng)
    shop = rng.choice(("数码", "母婴", "服饰", "食品", "家电", "美妆"))
    return Order(
        order_id=order_id,
        goods=goods,
        amount_fen=amount_fen,
        merchant_name=f"杭州示例{shop}专营店有限公司",
        merchant_uscc=uscc(rng, region),
        level1=level1,
        level2=level2,
        livestream=level2 == "livestream_claims" or rng.random() < 0.12,
    )


def _category(rng: random.Random) -> tuple[str, str]:
    level1, level2, _ = rng.choices(CATEGORIES, weights=[w for *_, w in CATEGORIES])[0]
    return level1, level2


def personal(number: int, district: str) -> dict[str, Any]:
    return {
        "consumer": {
            "name": f"示例消费者{number:05d}",
            "phone": f"1380000{number % 10000:04d}",
            "address": f"浙江省杭州市{district}区测试路 {number % 500 + 1} 号（虚构）",
        },
        "narrative": "（演示数据，纯属虚构）双十一订单的商品有问题，联系商家未果，要求退款。",
    }


def filed(
    rng: random.Random,
    complaint_id: str,
    *,
    channel: str,
    received_at: datetime,
    region: str,
    platform: str,
    bought: Order,
    commitment: str,
) -> dict[str, Any]:
    signed_for = (received_at - timedelta(days=rng.choice((0, 1, 2)))).astimezone(SHANGHAI)
    data: dict[str, Any] = {
        "channel": channel,
        "received_at": local_text(received_at),
        "region": region,
        "respondent": {
            "platform": platform,
            "merchant": {"name": bought.merchant_name, "uscc": bought.merchant_uscc},
        },
        "order": {"order_id": bought.order_id, "signed_for_on": signed_for.date().isoformat()},
        "goods": [{"name": bought.goods, "quantity": 1, "amount_fen": bought.amount_fen}],
        "category": {
            "level1": bought.level1,
            "level2": bought.level2,
            "livestream": bought.livestream,
        },
        "demand": {"kind": "refund", "amount_fen": bought.amount_fen},
        "personal_ref": "personal-" + complaint_id,
        "personal_commitment": commitment,
        "consents": {"publication": rng.random() < 0.3, "delegated_mediation": True},
    }
    return event(rng, "complaint.filed", complaint_id, 1, received_at, data)


def consumer_message(rng: random.Random) -> dict[str, str]:
    """The consumer's own message on the platform's ODR service, cited by id and digest."""
    message_id = f"msg-{rng.randrange(10**9, 10**10)}"
    return {"id": message_id, "sha256": hashlib.sha256(message_id.encode()).hexdigest()}
