"""The adapters this hub serves: installed entry points first, the built-in packages otherwise."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from adapters.base.contract import Adapter
from adapters.base.registry import builtin_adapters, load_adapters

SOURCE_ENTRY_POINT = "entry point"
SOURCE_BUILTIN = "builtin"


@dataclasses.dataclass(frozen=True)
class InstalledAdapter:
    adapter: Adapter
    source: str  # SOURCE_ENTRY_POINT or SOURCE_BUILTIN

    def describe(self) -> dict[str, Any]:
        info = self.adapter.info
        return {
            "code": info.code,
            "name": info.name,
            "version": info.version,
            "directions": sorted(info.directions),
            "modes": sorted(info.modes),
            "money_unit": info.money_unit,
            "time_zone": info.time_zone,
            "source": self.source,
        }


def installed_adapters() -> dict[str, InstalledAdapter]:
    """Every adapter by platform code.

    A third-party platform is a package registering an entry point in `complaint_hub.adapters`.
    The built-in adapters fill in the codes no entry point claims, so a checkout that was never
    pip-installed (development, tests) still serves them.
    """
    found = {
        code: InstalledAdapter(adapter, SOURCE_ENTRY_POINT)
        for code, adapter in load_adapters().items()
    }
    for code, adapter in builtin_adapters().items():
        found.setdefault(code, InstalledAdapter(adapter, SOURCE_BUILTIN))
    return dict(sorted(found.items()))


def adapters_by_code(installed: Mapping[str, InstalledAdapter]) -> dict[str, Adapter]:
    return {code: entry.adapter for code, entry in installed.items()}
