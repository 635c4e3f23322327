"""Taobao / Tmall adapter."""

from __future__ import annotations

from adapters.taobao.adapter import TaobaoAdapter


def create() -> TaobaoAdapter:
    """Entry-point factory for `complaint_hub.adapters`."""
    return TaobaoAdapter()


__all__ = ["TaobaoAdapter", "create"]
