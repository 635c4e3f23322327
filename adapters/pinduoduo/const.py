"""Pinduoduo after-sales codes and incremental-query limits as data."""

from __future__ import annotations

CODE = "pinduoduo"

# after_sales_status -> (phase, platform intervened, offer kind or None to take it from
# after_sales_type). Every code of the public enum (pdd.refund.list.increment.get and
# pdd.refund.information.get); 0 "no after-sales" says nothing about a record's phase.
STATUSES: dict[int, tuple[str | None, bool, str | None]] = {
    0: (None, False, None),  # no after-sales
    2: ("requested", False, None),  # refund requested, awaiting the merchant
    3: ("requested", False, "return_refund"),  # return and refund requested, awaiting the merchant
    4: ("offered", False, None),  # merchant agreed, refunding
    5: ("offered", True, None),  # the platform agreed, refunding
    6: ("refused", False, None),  # merchant rejected, awaiting the buyer
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
    24: ("closed", False, "repair"),  # repair closed
    25: ("resolved", False, "repair"),  # repair done
    27: ("offered", False, "repair"),  # repaired goods sent, awaiting the buyer's receipt
    31: ("offered", False, "refund"),  # refund on refused delivery agreed, awaiting the refusal
    32: ("offered", False, "replacement"),  # resend awaiting the merchant's shipment
    33: ("offered", False, "refund"),  # awaiting the merchant's recall of the parcel
}

# after_sales_type -> offer kind, as pdd.refund.information.get documents it (1 refund only,
# 2 return and refund, 3 exchange, 4 resend, 5 repair). The list call's records document no enum
# of their own; the request side of that call numbers differently (1 all, 2 refund only, ...),
# so only the detail enum is read, and the status's own kind wins where it has one.
TYPES: dict[int, str] = {
    1: "refund",
    2: "return_refund",
    3: "replacement",
    4: "replacement",
    5: "repair",
}

RESOLUTIONS: dict[str, str] = {
    "refund": "refund",
    "return_refund": "refund",
    "replacement": "replacement",
    "repair": "repair",
}

# Message-service pushes (`type`, content a JSON string): the type carries the change.
PUSH_PHASES: dict[str, str] = {
    "pdd_refund_RefundCreated": "requested",
    "pdd_refund_RefundAgreeAgreement": "offered",
    "pdd_refund_RefundClosed": "closed",
}
PUSH_PREFIX = "pdd_refund_"

# pdd.refund.list.increment.get: at most 30 minutes of update times per query, at most 100 per page.
PULL_METHOD = "pdd.refund.list.increment.get"
PULL_RESPONSE_KEY = "refund_increment_get_response"
DETAIL_RESPONSE_KEY = "refund_information_get_response"
MAX_WINDOW_S = 30 * 60
MAX_PAGE_SIZE = 100
# 1 asks for every status and every type, so nothing is filtered out at the source.
PULL_ALL = "1"

# Epoch times: 10 digits are seconds, 13 are milliseconds; any other length fits neither.
EPOCH_SECONDS_DIGITS = 10
EPOCH_MILLIS_DIGITS = 13

RENDER_TYPE_PREFIX = "complaint_hub_"
