"""What a reader of the case who is not entitled to the personal part sees of it. No I/O.

Masking follows the common Chinese practice for displayed personal information (GB/T 35273,
de-identification by partial display): enough to tell two consumers apart, not enough to reach one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_HIDDEN = "***"
# The province-level unit, then perhaps the prefecture-level one:
# 浙江省杭州市, 北京市, 广西壮族自治区南宁市.
_REGION = re.compile(
    r"^(?:[^省市区县\s]{1,12}?(?:省|自治区|特别行政区|市))"
    r"(?:[^省市区县\s]{1,12}?(?:市|自治州|地区|盟))?"
)


def mask_name(name: str) -> str:
    return name[:1] + "*"


def mask_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if phone.startswith("+86"):
        digits = digits[2:]
    if len(digits) < 8:
        return _HIDDEN
    return digits[:3] + "****" + digits[-4:]


def mask_address(address: str) -> str:
    match = _REGION.match(address.strip())
    return match.group(0) if match else _HIDDEN


def mask_personal(personal: Mapping[str, Any]) -> dict[str, Any]:
    """Name to its first character, phone to 3 + 4 digits, address to province and city; the id
    number and the narrative (which routinely repeats phone numbers and addresses) left out."""
    consumer = personal["consumer"]
    return {
        "consumer": {
            "name": mask_name(consumer["name"]),
            "phone": mask_phone(consumer["phone"]),
            "address": mask_address(consumer["address"]),
        }
    }
