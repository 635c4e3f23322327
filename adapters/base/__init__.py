"""The adapter contract, its error type, shared conversions and the conformance kit."""

from __future__ import annotations

from adapters.base.contract import (
    Adapter,
    AdapterInfo,
    CanonicalEvent,
    FilingContext,
    NativeRef,
    ParseResult,
    PullAdapter,
    PullPage,
    PullRequest,
    TimeWindow,
    Unmapped,
)
from adapters.base.errors import AdapterError

__all__ = [
    "Adapter",
    "AdapterError",
    "AdapterInfo",
    "CanonicalEvent",
    "FilingContext",
    "NativeRef",
    "ParseResult",
    "PullAdapter",
    "PullPage",
    "PullRequest",
    "TimeWindow",
    "Unmapped",
]
