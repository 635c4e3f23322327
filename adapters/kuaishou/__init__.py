"""Kuaishou adapter."""

from __future__ import annotations

from adapters.kuaishou.adapter import KuaishouAdapter


def create() -> KuaishouAdapter:
    """Entry-point factory for `complaint_hub.adapters`."""
    return KuaishouAdapter()


__all__ = ["KuaishouAdapter", "create"]
