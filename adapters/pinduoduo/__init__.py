"""Pinduoduo adapter."""

from __future__ import annotations

from adapters.pinduoduo.adapter import PinduoduoAdapter


def create() -> PinduoduoAdapter:
    """Entry-point factory for `complaint_hub.adapters`."""
    return PinduoduoAdapter()


__all__ = ["PinduoduoAdapter", "create"]
