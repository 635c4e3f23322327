"""Taobao / Tmall refund codes as data: what each status and message topic means for the case."""

from __future__ import annotations

CODE = "taobao"

# Full refund records (taobao.refund.get and the list calls): status -> phase.
STATUS_PHASES: dict[str, str] = {
    "WAIT_SELLER_AGREE": "requested",
    "WAIT_BUYER_RETURN_GOODS": "offered",
    "WAIT_SELLER_CONFIRM_GOODS": "offered",
    "SELLER_REFUSE_BUYER": "refused",
    # Taobao closes a refund both when the buyer cancels and when it lapses; the record does not
    # say which, so this is the neutral "record closed", not "buyer cancelled".
    "CLOSED": "closed",
    "SUCCESS": "resolved",
}

# These statuses only occur once the seller agreed to take the goods back.
RETURN_STATUSES = frozenset({"WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"})

# Message-service pushes: the topic, not a status field, carries the change. None = a message that
# changes nothing about the refund's state (a chat line, a reminder), so the kept phase stays.
TOPIC_PHASES: dict[str, str | None] = {
    "taobao_refund_RefundCreated": "requested",
    "taobao_refund_RefundBuyerModifyAgreement": "requested",
    "taobao_refund_RefundSellerAgreeAgreement": "offered",
    "taobao_refund_RefundBuyerReturnGoods": "offered",
    "taobao_refund_RefundSellerRefuseAgreement": "refused",
    "taobao_refund_RefundClosed": "closed",
    "taobao_refund_RefundSuccess": "resolved",
    "taobao_refund_RefundCreateMessage": None,
    "taobao_refund_RefundBlockMessage": None,
    "taobao_refund_RefundTimeoutRemind": None,
}

RETURN_TOPICS = frozenset({"taobao_refund_RefundBuyerReturnGoods"})

GOOD_STATUSES = frozenset({"BUYER_NOT_RECEIVED", "BUYER_RECEIVED", "BUYER_RETURNED_GOODS"})

# cs_status 1 = no customer service involved ... 6 = customer service done; from 2 on, Taobao's own
# customer service has stepped in, which is the platform intervening.
CS_STATUSES = frozenset(range(1, 7))
CS_INTERVENED_FROM = 2

# advance_status 0 none, 1 applying, 2 paid, 3 seller refused, 4 closed, 5 split: 2 and 5 mean the
# platform paid the buyer in advance of the seller (先行赔付), the canonical advance compensation.
ADVANCE_STATUSES = frozenset(range(0, 6))
ADVANCE_PAID = frozenset({2, 5})

REFUND_PHASES = frozenset({"onsale", "aftersale"})

# shop_type B is a Tmall shop, C a Taobao shop; both speak the same refund API.
SHOP_PLATFORMS: dict[str, str] = {"B": "tmall", "C": "taobao"}

RENDER_TOPIC_PREFIX = "complaint_hub_"
