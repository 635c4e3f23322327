"""Who may witness the audit log: parties the hub's operator cannot speak for.

The court and the consumers association are independent of the hub; a bureau witnesses when it
speaks for a whole province (its region a province code, such as 330000 for Zhejiang), so a
handful of provincial bureaus, not every district, keep the log honest.
"""

from __future__ import annotations

from collections.abc import Iterable

_WITNESS_ROLES = frozenset({"court", "association"})


def is_province_code(region: str) -> bool:
    """A GB/T 2260 province-level code: six digits ending in 0000 (330000, 110000)."""
    return len(region) == 6 and region.isdigit() and region.endswith("0000") and region != "000000"


def may_witness(role: str, regions: Iterable[str]) -> bool:
    """True when a participant of `role` covering `regions` may cosign tree heads."""
    if role in _WITNESS_ROLES:
        return True
    return role == "bureau" and any(is_province_code(r) for r in regions)
