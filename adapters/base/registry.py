"""Find adapters: every entry point of the `complaint_hub.adapters` group, and nothing else.

The adapters shipped in this repository are entry points of this distribution (setup.cfg), as a
third party's are of theirs, so there is one list of adapters and the hub, the command line and
the tests read the same one. A checkout is installed (`pip install -e .`) before it runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import cast

from adapters.base.contract import Adapter

ENTRY_POINT_GROUP = "complaint_hub.adapters"


@dataclasses.dataclass(frozen=True)
class RegisteredAdapter:
    adapter: Adapter
    # The distribution whose metadata registers the entry point: `complaint-hub` for the adapters
    # shipped here, the third party's own package name otherwise.
    distribution: str


def adapter_entry_points() -> list[EntryPoint]:
    """The installed entry points of the group, by name."""
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda entry_point: entry_point.name)


def registered_adapters() -> dict[str, RegisteredAdapter]:
    """Instantiate every adapter in the `complaint_hub.adapters` entry-point group, by code.

    Raises:
        ValueError: two entry points claim the same platform code, or a factory returns a
        non-adapter.
    """
    found: dict[str, RegisteredAdapter] = {}
    for entry_point in adapter_entry_points():
        adapter = cast(Callable[[], object], entry_point.load())()
        if not isinstance(adapter, Adapter):
            raise ValueError(f"{entry_point.value} did not return an adapter")
        code = adapter.info.code
        if code in found:
            raise ValueError(f"{entry_point.value}: platform code {code!r} is registered twice")
        distribution = entry_point.dist.name if entry_point.dist is not None else "unknown"
        found[code] = RegisteredAdapter(adapter, distribution)
    return found


def load_adapters() -> dict[str, Adapter]:
    """Every installed adapter by platform code (`registered_adapters` without their origin)."""
    return {code: entry.adapter for code, entry in registered_adapters().items()}
