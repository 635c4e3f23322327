"""Kuaishou after-sales codes as data."""

from __future__ import annotations

CODE = "kuaishou"

# Push event names; the record's `status` says where it is, so each is read the same way.
EVENTS = frozenset(
    {
        "RefundCreated",
        "RefundModified",
        "RefundAgreed",
        "RefundRejected",
        "RefundClosed",
        "RefundSuccess",
        # The open platform's own message codes (kwaishop_aftersales_*), data in `info`:
        "kwaishop_aftersales_addRefund",
        "kwaishop_aftersales_updateRefund",
    }
)

# status -> (phase, platform intervened).
STATUSES: dict[int, tuple[str, bool]] = {
    10: ("requested", False),  # applied
    11: ("requested", False),  # applied, awaiting the merchant
    20: ("requested", True),  # 20-23: Kuaishou customer service has stepped in
    21: ("requested", True),
    22: ("requested", True),
    23: ("requested", True),
    30: ("offered", False),  # 30/40/45: return shipping under way, so the merchant agreed
    40: ("offered", False),
    45: ("offered", False),
    50: ("offered", False),  # refund executing
    60: ("resolved", False),  # succeeded
    70: ("closed", False),  # failed
}

# handlingWay -> (offer kind, resolution).
HANDLING_WAYS: dict[int, tuple[str, str]] = {
    1: ("return_refund", "refund"),
    10: ("refund", "refund"),
    3: ("replacement", "replacement"),
    4: ("replacement", "replacement"),  # resend: the missing goods are replaced
    5: ("repair", "repair"),
}

NEGOTIATE_STATUSES = frozenset(range(0, 4))

RENDER_EVENT_PREFIX = "ComplaintHub"
