"""Realistic after-sales status progressions and values, per platform."""

from __future__ import annotations

import random
from collections.abc import Sequence

# Pinduoduo after_sales_status paths: (after_sales_type, statuses in order).
PDD_PATHS: dict[str, tuple[int, Sequence[int]]] = {
    "refund": (1, (2, 4, 10)),
    "return_refund": (2, (3, 7, 4, 10)),
    "merchant_refused_platform_steps_in": (1, (2, 6, 8, 5, 10)),
    "platform_refused": (1, (2, 8, 9)),
    "buyer_cancelled": (1, (2, 11)),
    "buyer_overdue": (2, (3, 7, 12)),
    "replacement": (1, (14, 15, 16)),
    "repair": (1, (21, 22, 27, 25)),
}

# JD afsServiceStep paths: (customerExpect, steps in order).
JD_PATHS: dict[str, tuple[int, Sequence[int]]] = {
    "return": (10, (10, 22, 31, 33, 50)),
    "return_via_jd_review": (10, (10, 21, 32, 34, 50)),
    "exchange": (20, (10, 22, 32, 34, 40, 50)),
    "repair": (30, (10, 22, 31, 33, 40, 50)),
    "rejected": (10, (10, 22, 20)),
    "cancelled": (10, (10, 60)),
}

GOODS = (
    ("无线降噪耳机 黑色", 59900),
    ("儿童保温杯 500ml", 8900),
    ("智能手环 运动版", 19900),
    ("羽绒服 女款 中长款", 45900),
    ("有机大米 5kg", 6990),
    ("扫地机器人 基础款", 129900),
)


def yuan(amount_fen: int) -> str:
    """Integer fen as a two-decimal yuan string, exactly (no float on the way)."""
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def pdd_order_sn(rng: random.Random, day: str = "261111") -> str:
    """An order_sn like 230626-434073824910838: order date, then 15 digits."""
    return f"{day}-{rng.randrange(10**14, 10**15)}"


def jd_order_id(rng: random.Random) -> str:
    """A JD order id: a long of 12 digits (recent JD order ids are around 3e11)."""
    return str(rng.randrange(2 * 10**11, 4 * 10**11))


def pick(rng: random.Random, paths: dict[str, tuple[int, Sequence[int]]]) -> str:
    return rng.choice(sorted(paths))


# Taobao refund status paths, as taobao.refunds.receive.get lists them.
TAOBAO_PATHS: dict[str, Sequence[str]] = {
    "refund": ("WAIT_SELLER_AGREE", "SUCCESS"),
    "return_refund": (
        "WAIT_SELLER_AGREE",
        "WAIT_BUYER_RETURN_GOODS",
        "WAIT_SELLER_CONFIRM_GOODS",
        "SUCCESS",
    ),
    "refused": ("WAIT_SELLER_AGREE", "SELLER_REFUSE_BUYER"),
    "closed": ("WAIT_SELLER_AGREE", "CLOSED"),
}

# Douyin aftersale_status paths: (aftersale_type, statuses in order), as afterSale/List lists them.
DOUYIN_PATHS: dict[str, tuple[int, Sequence[int]]] = {
    "refund": (1, (6, 12)),
    "return_refund": (0, (6, 7, 11, 12)),
    "exchange": (3, (6, 7, 11, 8, 3, 14)),
    "refused": (1, (6, 27)),
    "closed": (1, (6, 28)),
}


def taobao_tid(rng: random.Random) -> int:
    """A Taobao order id: a long of 19 digits, above 2^53 as real ones are."""
    return rng.randrange(2 * 10**18, 4 * 10**18)


def douyin_order_id(rng: random.Random) -> int:
    """A Douyin shop order id: 19 digits starting with 47 or 48, above 2^53."""
    return rng.randrange(47 * 10**17, 49 * 10**17)
