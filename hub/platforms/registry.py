"""The adapters this hub serves: every installed entry point (adapters.base.registry)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from adapters.base.contract import Adapter
from adapters.base.registry import registered_adapters


@dataclasses.dataclass(frozen=True)
class InstalledAdapter:
    adapter: Adapter
    source: str  # the distribution that registers it: complaint-hub for the built-in ones

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

    The built-in adapters are entry points in `complaint_hub.adapters` of this distribution; a
    third-party platform is a package registering one of its own.
    """
    found = {
        code: InstalledAdapter(entry.adapter, entry.distribution)
        for code, entry in registered_adapters().items()
    }
    return dict(sorted(found.items()))


def adapters_by_code(installed: Mapping[str, InstalledAdapter]) -> dict[str, Adapter]:
    return {code: entry.adapter for code, entry in installed.items()}
