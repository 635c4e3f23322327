"""JD after-sales service codes as data."""

from __future__ import annotations

CODE = "jd"

# afsServiceStep -> phase.
STEP_PHASES: dict[int, str] = {
    10: "requested",  # applied
    20: "refused",  # review rejected
    21: "requested",  # JD customer-service review: the normal path on JD, not an intervention
    22: "requested",  # merchant review
    31: "offered",  # goods received by JD
    32: "offered",  # goods received by the merchant
    33: "offered",  # processing
    34: "offered",  # processing
    40: "offered",  # remedy performed, awaiting the user's confirmation
    50: "resolved",  # done
    # JD cancels a service on the user's request; see README for why this is a note, not a
    # withdrawal.
    60: "buyer_cancelled",
}

# customerExpect -> (offer kind, resolution).
EXPECTATIONS: dict[int, tuple[str, str]] = {
    10: ("return_refund", "refund"),
    20: ("replacement", "replacement"),
    30: ("repair", "repair"),
}

# suggestAmount's unit is not documented in public; yuan strings are the assumption, fen selectable.
AMOUNT_UNITS = frozenset({"yuan", "fen"})
DEFAULT_AMOUNT_UNIT = "yuan"

# The latest of these times is the record's update time; JD records carry no separate modified time.
TIME_FIELDS = ("afsApplyTime", "approvedDate", "processedDate")

RENDER_TYPE_PREFIX = "complaint_hub_"
