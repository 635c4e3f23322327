"""JD adapter."""

from __future__ import annotations

from adapters.jd.adapter import JdAdapter


def create() -> JdAdapter:
    """Entry-point factory for `complaint_hub.adapters`: suggestAmount read as yuan strings."""
    return JdAdapter()


def create_fen() -> JdAdapter:
    """Factory for deployments whose JD feed sends suggestAmount as integer fen."""
    return JdAdapter(amount_unit="fen")


__all__ = ["JdAdapter", "create", "create_fen"]
