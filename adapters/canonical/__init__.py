"""Canonical-format adapter, with one entry-point factory per mall."""

from __future__ import annotations

from adapters.canonical.adapter import CanonicalAdapter


def vipshop() -> CanonicalAdapter:
    """Entry-point factory: Vipshop."""
    return CanonicalAdapter("vipshop")


def suning() -> CanonicalAdapter:
    """Entry-point factory: Suning."""
    return CanonicalAdapter("suning")


def meituan() -> CanonicalAdapter:
    """Entry-point factory: Meituan."""
    return CanonicalAdapter("meituan")


def dangdang() -> CanonicalAdapter:
    """Entry-point factory: Dangdang."""
    return CanonicalAdapter("dangdang")


def xianyu() -> CanonicalAdapter:
    """Entry-point factory: Xianyu."""
    return CanonicalAdapter("xianyu")


__all__ = ["CanonicalAdapter", "dangdang", "meituan", "suning", "vipshop", "xianyu"]
