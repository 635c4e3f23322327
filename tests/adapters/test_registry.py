"""Adapters are found through their entry points alone: every adapter package of this repository
is registered in setup.cfg, loads, and is what the registry serves."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from adapters.base.contract import Adapter
from adapters.base.registry import ENTRY_POINT_GROUP, adapter_entry_points, registered_adapters

ADAPTERS_DIR = Path(__file__).resolve().parents[2] / "adapters"
DISTRIBUTION = "complaint-hub"


def adapter_packages(root: Path = ADAPTERS_DIR) -> list[str]:
    """The packages under adapters/ with an adapter module; `base` is the contract, not one."""
    return sorted(
        path.name
        for path in root.iterdir()
        if (path / "adapter.py").is_file() and path.name != "base"
    )


def package_of(entry_point: EntryPoint) -> str | None:
    """`adapters.canonical:vipshop` -> canonical; None for a module outside adapters/."""
    parts = entry_point.module.split(".")
    return parts[1] if parts[0] == "adapters" and len(parts) > 1 else None


def unregistered(packages: Iterable[str], entry_points: Iterable[EntryPoint]) -> list[str]:
    """The adapter packages that no entry point's module lies in."""
    registered = {package_of(entry_point) for entry_point in entry_points}
    return sorted(set(packages) - registered)


SHIPPED = [ep for ep in adapter_entry_points() if package_of(ep) is not None]


def test_every_adapter_package_is_registered_as_an_entry_point() -> None:
    assert adapter_packages()  # the walk found the packages at all
    assert unregistered(adapter_packages(), SHIPPED) == []


def test_every_shipped_entry_point_names_an_adapter_package_of_this_distribution() -> None:
    assert {package_of(ep) for ep in SHIPPED} == set(adapter_packages())
    assert {ep.dist.name if ep.dist else None for ep in SHIPPED} == {DISTRIBUTION}


@pytest.mark.parametrize("entry_point", SHIPPED, ids=lambda ep: ep.name)
def test_every_shipped_entry_point_loads_an_adapter_of_its_own_name(
    entry_point: EntryPoint,
) -> None:
    adapter = entry_point.load()()
    assert isinstance(adapter, Adapter)
    assert adapter.info.code == entry_point.name


def test_the_registry_serves_exactly_the_entry_points_of_the_adapter_packages() -> None:
    found = registered_adapters()
    assert sorted(found) == sorted(ep.name for ep in SHIPPED)
    packages = {type(entry.adapter).__module__.split(".")[1] for entry in found.values()}
    assert packages == set(adapter_packages())
    assert {entry.distribution for entry in found.values()} == {DISTRIBUTION}


@pytest.mark.parametrize("package", adapter_packages())
def test_a_package_left_out_of_the_entry_points_is_reported(package: str) -> None:
    without = [ep for ep in SHIPPED if package_of(ep) != package]
    assert unregistered(adapter_packages(), without) == [package]


def test_a_new_package_without_an_entry_point_is_reported(tmp_path: Path) -> None:
    for name in ("base", "jd", "acme"):
        (tmp_path / name).mkdir()
    (tmp_path / "base" / "contract.py").touch()
    (tmp_path / "jd" / "adapter.py").touch()
    (tmp_path / "acme" / "adapter.py").touch()
    jd = EntryPoint("jd", "adapters.jd:create", ENTRY_POINT_GROUP)
    assert adapter_packages(tmp_path) == ["acme", "jd"]
    assert unregistered(adapter_packages(tmp_path), [jd]) == ["acme"]
