"""The malls served by the canonical adapter."""

from __future__ import annotations

# platform code -> display name. These malls publish too little of their own after-sales formats
# to translate faithfully, so they send and receive canonical events directly.
PLATFORMS: dict[str, str] = {
    "vipshop": "Vipshop",
    "suning": "Suning",
    "meituan": "Meituan",
    "dangdang": "Dangdang",
    "xianyu": "Xianyu",
}
