"""Douyin shop adapter."""

from __future__ import annotations

from adapters.douyin.adapter import DouyinAdapter


def create() -> DouyinAdapter:
    """Entry-point factory for `complaint_hub.adapters`."""
    return DouyinAdapter()


__all__ = ["DouyinAdapter", "create"]
