"""`serve` runs on uvloop unless COMPLAINT_HUB_EVENT_LOOP=asyncio says otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hub.cli.serve import loop_factory
from hub.settings import Settings, SettingsError
from tests.hubproc import hub_process


def _serving_pid(url: str) -> int:
    port = urlsplit(url).port
    listening = subprocess.run(
        ["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    (pid,) = {int(p[4:]) for p in listening.replace(",", " ").split() if p[:4] == "pid="}
    return pid


def _runs_uvloop(pid: int) -> bool:
    return "uvloop/loop." in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.parametrize(("name", "expected"), [("uvloop", True), ("asyncio", False)])
def test_the_served_hub_runs_the_loop_asked_for(
    database_url: str, tmp_path: Path, name: str, expected: bool
) -> None:
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_EVENT_LOOP": name,
    }
    with hub_process(env, tmp_path / "hub.log", serve_args=["--workers", "1"]) as url:
        assert _runs_uvloop(_serving_pid(url)) is expected


def test_an_unknown_loop_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_EVENT_LOOP='trio'"):
        Settings.from_environ({"COMPLAINT_HUB_EVENT_LOOP": "trio"})
    assert loop_factory("asyncio") is None
    assert loop_factory("uvloop") is not None


async def test_start_up_objects_are_frozen_out_of_the_collectors_reach() -> None:
    import gc

    from hub.cli.serve import freeze_startup_objects

    built_at_start_up = [object() for _ in range(1000)]
    try:
        await freeze_startup_objects()
        assert gc.get_freeze_count() >= len(built_at_start_up)
    finally:
        gc.unfreeze()
