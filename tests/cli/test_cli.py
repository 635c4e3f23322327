"""The console script, as an operator and a platform engineer use it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.hubproc import REPO, hub_process


def run(*args: str, database_url: str, data_dir: Path, check: bool = True) -> Any:
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_help_is_available_on_every_command(tmp_path: Path) -> None:
    for args in (
        [],
        ["serve"],
        ["keys"],
        ["keys", "generate"],
        ["participants", "add"],
        ["hub-key", "rotate"],
        ["send"],
        ["complaints", "show"],
        ["complaints", "list"],
        ["feed", "follow"],
        ["participants", "remove"],
        ["participants", "enable"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "hub.cli", *args, "--help"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert result.returncode == 0, (args, result.stderr)
        assert "usage:" in result.stdout


def test_onboarding_a_platform_then_sending_an_event_from_the_shell(
    database_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    out = run(
        "keys",
        "generate",
        "--kid",
        "xihu-2026",
        "--out",
        str(keys),
        "--json",
        database_url=database_url,
        data_dir=tmp_path,
    )
    generated = json.loads(out.stdout)[0]
    pem = Path(generated["private_key"])
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert json.loads(Path(generated["public_jwk"]).read_text())["kty"] == "OKP"
    # Never overwrite a key.
    again = run(
        "keys",
        "generate",
        "--kid",
        "xihu-2026",
        "--out",
        str(keys),
        database_url=database_url,
        data_dir=tmp_path,
        check=False,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr

    run(
        "participants",
        "add",
        "bureau.hz",
        "--role",
        "bureau",
        "--name",
        "Xihu AMR",
        "--region",
        "330106",
        database_url=database_url,
        data_dir=tmp_path,
    )
    run(
        "keys",
        "add",
        "--participant",
        "bureau.hz",
        "--kid",
        "xihu-2026",
        "--public-key",
        generated["public_jwk"],
        database_url=database_url,
        data_dir=tmp_path,
    )
    listed = json.loads(
        run("participants", "list", "--json", database_url=database_url, data_dir=tmp_path).stdout
    )
    assert listed[0]["participant_id"] == "bureau.hz"
    table = run("keys", "list", database_url=database_url, data_dir=tmp_path).stdout
    assert "KID" in table
    assert "xihu-2026" in table

    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }
    with hub_process(env, tmp_path / "hub.log") as url:
        sent = run(
            "send",
            str(EXAMPLES / "complaint.filed.json"),
            "--kid",
            "xihu-2026",
            "--key",
            str(pem),
            "--url",
            url,
            database_url=database_url,
            data_dir=tmp_path,
        )
        assert json.loads(sent.stdout)["position"] == 1
        replay = run(
            "send",
            str(EXAMPLES / "complaint.filed.json"),
            "--kid",
            "xihu-2026",
            "--key",
            str(pem),
            "--url",
            url,
            database_url=database_url,
            data_dir=tmp_path,
        )
        assert json.loads(replay.stdout)["position"] == 1  # idempotent retry, same receipt
        run(
            "keys",
            "revoke",
            "xihu-2026",
            "--reason",
            "rotated",
            database_url=database_url,
            data_dir=tmp_path,
        )
        refused = run(
            "send",
            str(EXAMPLES / "complaint.accepted.json"),
            "--kid",
            "xihu-2026",
            "--key",
            str(pem),
            "--url",
            url,
            database_url=database_url,
            data_dir=tmp_path,
            check=False,
        )
        assert refused.returncode == 1
        assert "key-revoked" in refused.stderr


def test_adding_a_participant_twice_fails_clearly(database_url: str, tmp_path: Path) -> None:
    args = ("participants", "add", "jd", "--role", "platform", "--name", "JD", "--platform", "jd")
    run(*args, database_url=database_url, data_dir=tmp_path)
    second = run(*args, database_url=database_url, data_dir=tmp_path, check=False)
    assert second.returncode == 1
    assert "already registered" in second.stderr
    assert "Traceback" not in second.stderr


@pytest.mark.parametrize("role", ["bureau", "court"])
def test_disable_a_participant(database_url: str, tmp_path: Path, role: str) -> None:
    run(
        "participants",
        "add",
        "p1",
        "--role",
        role,
        "--name",
        "P",
        "--region",
        "330100",
        database_url=database_url,
        data_dir=tmp_path,
    )
    out = run(
        "participants", "disable", "p1", "--json", database_url=database_url, data_dir=tmp_path
    )
    assert json.loads(out.stdout)[0]["enabled"] is False


def test_hub_key_rotate_publishes_a_key_that_signs_later(database_url: str, tmp_path: Path) -> None:
    env_key = tmp_path / "hub-key.pem"
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }
    with hub_process(env, tmp_path / "hub.log"):
        pass  # the first start generates the development key
    assert env_key.exists()
    rotated = json.loads(
        run("hub-key", "rotate", "--json", database_url=database_url, data_dir=tmp_path).stdout
    )[0]
    listed = json.loads(
        run("hub-key", "list", "--json", database_url=database_url, data_dir=tmp_path).stdout
    )
    assert len(listed) == 2
    assert listed[-1]["kid"] == rotated["kid"]
    assert env_key.read_text().count("BEGIN PRIVATE KEY") == 2
