"""Pinduoduo after-sales codes and incremental-query limits as data."""

from __future__ import annotations

CODE = "pinduoduo"

# after_sales_status -> (phase, platform intervened, offer kind or None to take it from
# after_sales_type).
STATUSES: dict[int, tuple[str, bool, str | None]] = {
    2: ("requested", False, None),  # refund requested, awaiting the merchant
    3: ("requested", False, "return_refund"),  # return and refund requested, awaiting the merchant
    4: ("offered", False, None),  # merchant agreed, refunding
    5: ("offered", True, None),  # the platform agreed, refunding
    6: ("refused", False, None),  # merchant rejected
    7: ("offered", False, "return_refund"),  # merchant agreed, awaiting the buyer's return
    8: ("requested", True, None),  # platform handling
    9: ("closed", True, None),  # platform refused, refund closed
    10: ("resolved", False, None),  # refunded
    11: ("buyer_cancelled", False, None),  # buyer cancelled
    12: ("closed", False, None),  # buyer overdue, refund failed
    13: ("closed", False, None),  # buyer overdue past validity
    14: ("requested", False, "replacement"),  # exchange or resend awaiting the merchant
    15: ("offered", False, "replacement"),  # exchange or resend awaiting the buyer
    16: ("resolved", False, "replacement"),  # exchange or resend done
    17: ("closed", False, "replacement"),  # exchange or resend failed
    18: ("offered", False, "replacement"),  # exchange or resend awaiting the buyer's confirmation
    21: ("requested", False, "repair"),  # repair awaiting the merchant's agreement
    22: ("offered", False, "repair"),  # repair agreed, awaiting the buyer's shipment
    23: (
        "offered",
        False,
        "repair",
    ),  # repair in progress (assumed: not in the public table's detail)
    24: ("closed", False, "repair"),  # repair closed
    25: ("resolved", False, "repair"),  # repair done
    26: ("closed", False, "repair"),  # repair failed (assumed: not in the public table's detail)
    27: ("offered", False, "repair"),  # repaired goods sent, awaiting the buyer's receipt
}

# after_sales_type -> offer kind for the refund statuses.
TYPES: dict[int, str] = {1: "refund", 2: "return_refund"}

RESOLUTIONS: dict[str, str] = {
    "refund": "refund",
    "return_refund": "refund",
    "replacement": "replacement",
    "repair": "repair",
}

# pdd.refund.list.increment.get: at most 30 minutes of update times per query, at most 100 per page.
PULL_METHOD = "pdd.refund.list.increment.get"
PULL_RESPONSE_KEY = "refund_increment_get_response"
MAX_WINDOW_S = 30 * 60
MAX_PAGE_SIZE = 100
# 1 asks for every status and every type, so nothing is filtered out at the source.
PULL_ALL = "1"

# Epoch times: 10 digits are seconds, 13 are milliseconds; any other length fits neither.
EPOCH_SECONDS_DIGITS = 10
EPOCH_MILLIS_DIGITS = 13

RENDER_TYPE_PREFIX = "complaint_hub_"
