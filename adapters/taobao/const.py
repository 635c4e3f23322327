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
    # Exchange statuses, listed beside the six above by taobao.refunds.receive.get:
    "WAIT_BUYER_CONFIRM_EXCHANGE_SELLER_SEND_GOODS": "offered",  # exchange goods sent
    "EXCHANGE_TRANSFORM_TO_REFUND": "requested",  # exchange closed, turned into a refund request
    "WAIT_SELLER_CONSIGN_GOODS": "offered",  # returned goods received, exchange to be sent
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

# cs_status 1 no customer service needed, 2 customer service requested (a request only),
# 3 customer service intervened, 4 first review done, 5 supervisor review failed, 6 done: from 3 on,
# Taobao's own customer service has stepped in, which is the platform intervening.
CS_STATUSES = frozenset(range(1, 7))
CS_INTERVENED_FROM = 3

# advance_status 0 not applied, 1 applying, 2 advanced, 3 seller refused receipt, 4 closed,
# 5 advance settled (分账成功): the platform advancing the refund (退款先行垫付) to the buyer. It is
# not advance compensation (先行赔付, CPL art. 44): kept in state, it resolves nothing by itself.
ADVANCE_STATUSES = frozenset(range(0, 6))

REFUND_PHASES = frozenset({"onsale", "aftersale"})

# shop_type B is a Tmall shop, C a Taobao shop; both speak the same refund API.
SHOP_PLATFORMS: dict[str, str] = {"B": "tmall", "C": "taobao"}

RENDER_TOPIC_PREFIX = "complaint_hub_"

# taobao.refunds.receive.get: refunds a seller received, by modification time, pages of at most
# 100 (page_size), page_no from 1, `has_next` when asked with use_has_next=true.
PULL_METHOD = "taobao.refunds.receive.get"
PULL_RESPONSE_KEY = "refunds_receive_get_response"
MAX_PAGE_SIZE = 100
# Assumed, not documented in public: a day of modification times per query keeps every window
# small enough for the platform's page limits.
MAX_WINDOW_S = 24 * 60 * 60
# The list call returns only the fields asked for: those the adapter reads, nothing personal.
PULL_FIELDS = (
    "refund_id,tid,oid,status,refund_fee,modified,created,good_status,has_good_return,"
    "cs_status,refund_phase,advance_status"
)
