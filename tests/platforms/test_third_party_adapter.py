"""A third-party adapter is a package with an entry point: the hub finds it and serves it."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.base.registry import load_adapters
from hub.platforms.registry import installed_adapters

REPO = Path(__file__).resolve().parents[2]
MODULE = "tinymall_adapter"
# An adapter's source is the distribution registering its entry point: the built-in adapters are
# this one's.
BUILTIN_SOURCE = "complaint-hub"
SOURCE = "tinymall-adapter"

_MODULE_SOURCE = '''
"""TinyMall speaks the canonical format under its own platform code."""

import dataclasses
from pathlib import Path

import adapters.canonical
from adapters.base.contract import AdapterInfo
from adapters.canonical.adapter import CanonicalAdapter


class TinyMallAdapter(CanonicalAdapter):
    def __init__(self):
        package = Path(adapters.canonical.__file__).parent
        info = AdapterInfo.from_manifest(package, code="tinymall", name="TinyMall")
        self.info = dataclasses.replace(info, version="0.1.0")
        self.fixtures_dir = package / "fixtures"


def create():
    return TinyMallAdapter()
'''


@pytest.fixture
def tinymall_installed(tmp_path: Path) -> Iterator[Path]:
    """A distribution on sys.path, as pip would leave it: the module and its dist-info."""
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{MODULE}.py").write_text(textwrap.dedent(_MODULE_SOURCE), encoding="utf-8")
    dist_info = site / "tinymall_adapter-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tinymall-adapter\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[complaint_hub.adapters]\ntinymall = {MODULE}:create\n", encoding="utf-8"
    )
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        sys.modules.pop(MODULE, None)
        importlib.invalidate_caches()


def test_an_installed_entry_point_is_loaded_as_an_adapter(tinymall_installed: Path) -> None:
    loaded = load_adapters()
    assert loaded["tinymall"].info.name == "TinyMall"

    installed = installed_adapters()
    assert installed["tinymall"].source == SOURCE
    assert installed["taobao"].source == BUILTIN_SOURCE


def test_the_adapters_command_lists_a_third_party_adapter(tinymall_installed: Path) -> None:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tinymall_installed), str(REPO)]),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "hub.cli", "adapters", "list", "--json"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    rows = {row["code"]: row for row in json.loads(completed.stdout)}
    assert rows["tinymall"] == {
        "code": "tinymall",
        "name": "TinyMall",
        "version": "0.1.0",
        "directions": ["parse", "render"],
        "modes": ["push"],
        "money_unit": "fen",
        "time_zone": "Asia/Shanghai",
        "source": SOURCE,
    }
    assert rows["jd"]["source"] == BUILTIN_SOURCE

    table = subprocess.run(
        [sys.executable, "-m", "hub.cli", "adapters", "list"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=True,
        timeout=60,
    ).stdout
    assert any(line.startswith("tinymall ") for line in table.splitlines())


def test_an_adapter_is_gone_once_its_package_is_removed(tmp_path: Path) -> None:
    # Cleanup of the fixture above leaves no trace for later tests.
    assert "tinymall" not in load_adapters()


@pytest.fixture
async def tinymall_client(tinymall_installed: Path, enrol: Any) -> Any:
    # Depends on the installed package first, so the app loads its adapters after it appeared.
    return await enrol("platform.tinymall", "platform", platform="tinymall")


async def test_a_third_party_platform_files_its_odr_complaint_through_the_hub(
    tinymall_client: Any,
) -> None:
    from tests.conftest import example

    filed = example("complaint.filed", event_id=str(uuid.uuid4()))
    filed["complaint_id"] = f"platform.tinymall:TM-{uuid.uuid4().hex[:12]}"
    filed["data"] = {
        **filed["data"],  # type: ignore[dict-item]
        "channel": "platform_odr",
        "respondent": {"platform": "tinymall"},
    }

    response = await tinymall_client.request("POST", "/v1/platforms/tinymall/inbound", json=filed)

    assert response.status == 201, response.body
    (result,) = response.json()["results"]
    assert result["version"] == 1
    assert result["complaint_id"] == filed["complaint_id"]
    page = await tinymall_client.call("GET", "/v1/platforms/tinymall/feed")
    assert page["items"][0]["message"]["event_id"] == filed["event_id"]
