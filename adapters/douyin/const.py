"""Douyin shop after-sales codes, message tags and reason categories as data."""

from __future__ import annotations

CODE = "douyin"

# Push tags for after-sales messages: 200 created, then one tag per later step up to 211. The
# status in `data` says where the record is, so every tag in the range is read the same way.
TAGS = frozenset(range(200, 212))

# aftersale_status -> (phase, platform intervened).
STATUSES: dict[int, tuple[str, bool]] = {
    4: ("requested", True),  # awaiting platform arbitration: Douyin has stepped in
    6: ("requested", False),  # awaiting the merchant
    7: ("offered", False),  # merchant agreed, awaiting the buyer's return
    11: ("offered", False),  # goods returned, awaiting the merchant's receipt
    12: ("resolved", False),  # agreed: refund granted
    27: ("refused", False),  # merchant rejected the application
    28: ("closed", False),  # closed
    29: ("refused", False),  # merchant refused after the return arrived
}

# aftersale_type -> offer kind.
TYPES: dict[int, str] = {0: "return_refund", 1: "refund", 2: "refund"}

# reason_code (1-34) -> category. Codes not listed are after-sales complaints without a finer class:
# the consumers association files unspecified return and refund trouble under after-sales.
REASON_CODES = frozenset(range(1, 35))
DEFAULT_CATEGORY: dict[str, str] = {"level1": "after_sales"}
REASON_CATEGORIES: dict[int, dict[str, str]] = {
    2: {"level1": "contract", "level2": "late_or_no_delivery"},
    5: {"level1": "quality", "level2": "damaged_short_wrong_or_empty_parcel"},
    9: {"level1": "false_advertising", "level2": "listing_not_matching_item"},
    10: {"level1": "false_advertising", "level2": "listing_not_matching_item"},
    11: {"level1": "false_advertising", "level2": "listing_not_matching_item"},
    12: {"level1": "counterfeit", "level2": "counterfeit_or_pirated"},
    30: {"level1": "counterfeit", "level2": "counterfeit_or_pirated"},
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
