"""Find adapters: installed entry points in production, built-in packages for tests and tools."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import cast

from adapters.base.contract import Adapter

ENTRY_POINT_GROUP = "complaint_hub.adapters"

# module:factory for every adapter shipped in this repository, mirroring the setup.cfg entry points,
# so tests run before the package is installed.
BUILTIN_FACTORIES: tuple[str, ...] = (
    "adapters.taobao:create",
    "adapters.jd:create",
    "adapters.pinduoduo:create",
    "adapters.douyin:create",
    "adapters.kuaishou:create",
    "adapters.canonical:vipshop",
    "adapters.canonical:suning",
    "adapters.canonical:meituan",
    "adapters.canonical:dangdang",
    "adapters.canonical:xianyu",
)


def load_adapters() -> dict[str, Adapter]:
    """Instantiate every adapter in the `complaint_hub.adapters` entry-point group, by code.

    Raises:
        ValueError: two entry points claim the same platform code, or a factory returns a
        non-adapter.
    """
    adapters: dict[str, Adapter] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        _add(adapters, entry_point.load(), entry_point.value)
    return adapters


def builtin_adapters() -> dict[str, Adapter]:
    """Instantiate the adapters shipped in this repository by importing them directly."""
    adapters: dict[str, Adapter] = {}
    for target in BUILTIN_FACTORIES:
        module_name, _, attribute = target.partition(":")
        _add(adapters, getattr(importlib.import_module(module_name), attribute), target)
    return adapters


def _add(adapters: dict[str, Adapter], factory: object, source: str) -> None:
    adapter = cast(Callable[[], object], factory)()
    if not isinstance(adapter, Adapter):
        raise ValueError(f"{source} did not return an adapter")
    code = adapter.info.code
    if code in adapters:
        raise ValueError(f"{source}: platform code {code!r} is registered twice")
    adapters[code] = adapter
