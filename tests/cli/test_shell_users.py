"""Participants checked at the door, and reading complaints and the feed from the shell."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.cli.test_cli import run
from tests.conftest import EXAMPLES
from tests.hubproc import REPO

COMPLAINT = "bureau.hz:HZ12315-20261111-000123"


def test_participants_are_checked_before_anything_is_written(
    database_url: str, tmp_path: Path
) -> None:
    def refused(*args: str) -> str:
        result = run(
            "participants", "add", *args, database_url=database_url, data_dir=tmp_path, check=False
        )
        assert result.returncode == 1, result.stdout
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return str(result.stderr)

    missing = refused("jd", "--role", "platform", "--name", "JD")
    assert "--platform is required" in missing
    assert "jd, kuaishou, meituan" in missing  # the adapter registry's codes
    assert "no known platform code" in refused(
        "x", "--role", "platform", "--name", "X", "--platform", "notaplatform"
    )
    assert "--region is required" in refused("b", "--role", "bureau", "--name", "B")
    assert "not a GB/T 2260 code" in refused(
        "b", "--role", "bureau", "--name", "B", "--region", "99"
    )
    listed = run("participants", "list", "--json", database_url=database_url, data_dir=tmp_path)
    assert json.loads(listed.stdout) == []

    # A test participant that never spoke is removed, keys and all.
    run(
        "participants", "add", "trial", "--role", "court", "--name", "Trial",
        database_url=database_url, data_dir=tmp_path,
    )  # fmt: skip
    removed = run(
        "participants", "remove", "trial", "--json", database_url=database_url, data_dir=tmp_path
    )
    assert json.loads(removed.stdout)[0]["participant_id"] == "trial"
    again = run(
        "participants", "remove", "trial", database_url=database_url, data_dir=tmp_path, check=False
    )
    assert again.returncode == 1
    assert again.stderr.strip() == "complaint-hub: no participant trial"


async def test_a_bureau_files_reads_and_follows_from_the_shell(
    database_url: str, hub_base_url: str, tmp_path: Path
) -> None:
    # The hub is the test's own app on a loopback port; the commands run as child processes.
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }

    async def cli(*args: str, check: bool = True) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub.cli", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        if not check:
            assert process.returncode != 0, out
            assert len(err.decode().strip().splitlines()) == 1, err
            assert b"Traceback" not in err
            return err.decode()
        assert process.returncode == 0, err.decode()
        return out.decode()

    keys = tmp_path / "keys"
    await cli("keys", "generate", "--kid", "hz-2026", "--out", str(keys))
    await cli(
        "participants", "add", "bureau.hz", "--role", "bureau", "--name", "HZ", "--region", "330100"
    )
    await cli("keys", "add", "--participant", "bureau.hz", "--kid", "hz-2026",
        "--public-key", str(keys / "hz-2026.jwk.json"))  # fmt: skip
    url = hub_base_url
    signing = ("--kid", "hz-2026", "--key", str(keys / "hz-2026.pem"))
    filed = str(EXAMPLES / "complaint.filed.json")
    bare = url.removeprefix("http://")
    assert f"needs a scheme and a host, e.g. http://{bare}" in await cli(
        "send", filed, *signing, "--url", bare, check=False
    )
    sent = json.loads(await cli("send", filed, "--dated-today", *signing, "--url", url))
    today = datetime.now(UTC).date()
    accepted_on = datetime.fromisoformat(sent["receipt_payload"]["accepted_at"]).date()
    assert accepted_on == today

    shown = json.loads(
        await cli("complaints", "show", COMPLAINT, "--events", *signing, "--url", url)
    )
    assert shown["status"] == "filed"
    assert [e["event"]["type"] for e in shown["events"]] == ["complaint.filed"]
    # Received today, so its acceptance clock runs into the future: nothing is breached.
    assert shown["deadlines"], shown
    assert all(d["due_on"] > today.isoformat() for d in shown["deadlines"]), shown
    assert not any(d["breached"] for d in shown["deadlines"]), shown
    listed = await cli("complaints", "list", "--state", "filed", *signing, "--url", url)
    assert COMPLAINT in listed
    assert "taobao" in listed
    assert COMPLAINT not in await cli(
        "complaints", "list", "--status", "closed", *signing, "--url", url
    )
    followed = await cli("feed", "follow", "--from", "0", "--count", "1", *signing, "--url", url)
    assert followed.split() == ["1", "complaint.filed", COMPLAINT, "bureau.hz"]
    assert "404 not-found" in await cli(
        "complaints", "show", "bureau.hz:NOPE-1", *signing, "--url", url, check=False
    )

    assert "disable it instead" in await cli("participants", "remove", "bureau.hz", check=False)
    await cli("participants", "disable", "bureau.hz")
    assert "403 participant-disabled" in await cli(
        "complaints", "show", COMPLAINT, *signing, "--url", url, check=False
    )
    await cli("participants", "enable", "bureau.hz")
    assert (
        json.loads(await cli("complaints", "show", COMPLAINT, *signing, "--url", url))["version"]
        == 1
    )


async def test_json_output_stays_json_while_the_command_applies_migrations(
    empty_database: str, tmp_path: Path
) -> None:
    listed = run("participants", "list", "--json", database_url=empty_database, data_dir=tmp_path)
    assert json.loads(listed.stdout) == []  # the migration log lines went to stderr
    assert "migration_applied" in listed.stderr


def test_every_command_that_talks_to_a_hub_names_a_url_without_scheme(tmp_path: Path) -> None:
    signing = ("--kid", "k", "--key", str(tmp_path / "absent.pem"), "--url", "127.0.0.1:8080")
    for command in (
        ("send", str(EXAMPLES / "complaint.filed.json"), *signing),
        ("complaints", "show", COMPLAINT, *signing),
        ("complaints", "list", *signing),
        ("feed", "follow", *signing),
        ("witness", "--state", str(tmp_path / "head.json"), "--once", *signing),
    ):
        result = run(*command, database_url="", data_dir=tmp_path, check=False)
        assert result.returncode == 1, command
        assert result.stderr == (
            "complaint-hub: --url 127.0.0.1:8080 needs a scheme and a host,"
            " e.g. http://127.0.0.1:8080\n"
        ), command


def test_a_command_line_argparse_refuses_is_one_line_naming_the_option(tmp_path: Path) -> None:
    result = run(
        "participants", "add", "x", "--name", "X", database_url="", data_dir=tmp_path, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        "complaint-hub participants add: the following arguments are required: --role"
        " (see complaint-hub participants add --help)\n"
    )
