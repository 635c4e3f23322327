"""Douyin shop after-sales codes, message tags and reason categories as data.

Sources (see README.md, "What is verified"): the doudian message documents linked from
fudiwei/DotNetCore.SKIT.FlurlHttpClient.ByteDance (Events/Refund) and its event samples; the
afterSale/List field descriptions as quoted in public SDKs.
"""

from __future__ import annotations

CODE = "douyin"

# Push tags -> the time field that message carries. Each tag stamps its own step; there is no
# common update time in pushes. Arbitration messages (212-218) carry no time field at all.
TAG_TIME_FIELDS: dict[int, str | None] = {
    200: "apply_time",  # doudian_refund_RefundCreated
    201: "agree_time",  # doudian_refund_RefundAgreed
    202: "agree_time",  # doudian_refund_ReturnApplyAgreed
    203: "return_time",  # doudian_refund_BuyerReturnGoods
    204: "refuse_time",  # doudian_refund_RefundRefused
    205: "refuse_time",  # doudian_refund_ReturnApplyRefused
    206: "success_time",  # doudian_refund_RefundSuccess
    207: "close_time",  # doudian_refund_RefundClosed
    208: "modify_time",  # doudian_refund_RefundModified
    209: None,  # doudian_refund_ExpirationChange: only a new deadline, no step
    211: "apply_time",  # doudian_refund_ExchangeComfirmed (its sample carries apply_time)
    212: None,  # doudian_refund_ArbitrateApplied
    213: None,  # doudian_refund_ArbitrateSubmiting
    214: None,  # doudian_refund_ArbitrateSubmited
    215: None,  # doudian_refund_ArbitrateCancelled
    216: None,  # doudian_refund_ArbitrateAudited
    217: None,  # doudian_refund_ArbitrateServiceIntervene
    218: None,  # doudian_refund_ArbitrateDiscussUpload
}

# Records without a tag (list and detail calls) carry these; the first one present is the update.
RECORD_TIME_FIELDS = ("update_time", "apply_time", "create_time")
# Any step time a push may carry, when its tag's own field is absent.
STEP_TIME_FIELDS = (
    "modify_time",
    "success_time",
    "close_time",
    "refuse_time",
    "return_time",
    "agree_time",
    "apply_time",
)

# aftersale_status -> phase (afterSale/List: 3, 6, 7, 8, 11, 12, 14, 27, 28, 29; the older list
# names 13 "exchange awaiting the buyer's receipt", which pushes still carry).
STATUSES: dict[int, str] = {
    3: "offered",  # exchange goods sent, awaiting the buyer's receipt
    6: "requested",  # awaiting the merchant's agreement
    7: "offered",  # merchant agreed, awaiting the buyer's return
    8: "offered",  # awaiting the merchant's shipment (exchange or resend agreed)
    11: "offered",  # goods returned, awaiting the merchant's second agreement
    12: "resolved",  # after-sales succeeded
    13: "offered",  # exchange awaiting the buyer's receipt (older list)
    14: "resolved",  # exchange succeeded
    27: "refused",  # merchant refused the application
    28: "closed",  # after-sales failed (closed)
    29: "refused",  # merchant refused after the return arrived
}

# aftersale_type -> offer kind.
TYPES: dict[int, str] = {
    0: "return_refund",  # return and refund
    1: "refund",  # refund only, after shipping
    2: "refund",  # refund only, before shipping
    3: "replacement",  # exchange
    6: "refund",  # price protection: the difference is refunded
    7: "replacement",  # resend of missing goods
    8: "repair",
}

RESOLUTIONS: dict[str, str] = {
    "refund": "refund",
    "return_refund": "refund",
    "replacement": "replacement",
    "repair": "repair",
}

# arbitrate_status: 0 no arbitration, 1 arbitrating, 2 customer service agreed, 3 customer service
# refused, 4 awaiting the merchant's evidence, 5 negotiation period, 255 arbitration ended. Any
# value but 0 means Douyin's customer service has stepped in.
ARBITRATE_STATUSES = frozenset({0, 1, 2, 3, 4, 5, 255})
NO_ARBITRATION = 0

# reason_code (1-34) -> category (level 1, and level 2 where the reason names one).
_DELIVERY = {"level1": "contract", "level2": "late_or_no_delivery"}
_PARCEL = {"level1": "quality", "level2": "damaged_short_wrong_or_empty_parcel"}
_DEFECT = {"level1": "quality", "level2": "defect_or_malfunction"}
_SPOILED = {"level1": "quality", "level2": "spoiled_goods"}
_LISTING = {"level1": "false_advertising", "level2": "listing_not_matching_item"}
_COUNTERFEIT = {"level1": "counterfeit", "level2": "counterfeit_or_pirated"}
_AFTER_SALES = {"level1": "after_sales"}
_SAFETY = {"level1": "safety"}
REASON_CATEGORIES: dict[int, dict[str, str]] = {
    **{code: _AFTER_SALES for code in range(1, 35)},
    2: _DELIVERY,
    3: _DELIVERY,
    4: _DELIVERY,
    5: _PARCEL,
    7: _DEFECT,
    8: _DEFECT,
    9: _LISTING,
    10: _LISTING,
    11: _LISTING,
    12: _COUNTERFEIT,
    19: _SPOILED,
    20: _PARCEL,
    22: _PARCEL,
    26: _SPOILED,
    27: _SPOILED,
    29: _PARCEL,
    30: _COUNTERFEIT,
    31: _DEFECT,
    32: _DEFECT,
    34: _SAFETY,  # an allergic reaction is a safety complaint
}

# Tags for messages the hub renders to Douyin: a range of the project's own, clear of Douyin's
# 100-299 after-sales and order tags, one per canonical event type.
RENDER_TAGS: dict[str, int] = {
    "complaint.filed": 9001,
    "complaint.accepted": 9002,
    "complaint.rejected": 9003,
    "complaint.routed": 9004,
    "complaint.acknowledged": 9005,
    "complaint.offer_made": 9006,
    "complaint.offer_answered": 9007,
    "complaint.resolved": 9008,
    "complaint.confirmed": 9009,
    "complaint.disputed": 9010,
    "complaint.escalated": 9011,
    "complaint.withdrawn": 9012,
    "complaint.closed": 9013,
    "mediation.started": 9014,
    "mediation.concluded": 9015,
    "case.referred": 9016,
    "case.note_added": 9017,
    "deadline.breached": 9018,
}

# afterSale/List: after-sales records by update time (epoch seconds), pages numbered from 0 of at
# most 100 (`size`), `has_more` and `total` beside `items[]`.
PULL_METHOD = "afterSale/List"
MAX_PAGE_SIZE = 100
FIRST_PAGE = 0
# Assumed, not documented in public: a day of update times per query.
MAX_WINDOW_S = 24 * 60 * 60
