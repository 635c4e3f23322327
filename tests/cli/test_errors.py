"""Every command-line error names the option or file and what to do; what a user leaves out comes
from the environment or a saved profile; a closed pipe ends a command quietly."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main
from hub.crypto.keys import write_key_pair
from tests.cli.test_cli import run
from tests.conftest import EXAMPLES
from tests.hubproc import REPO, free_port

FILED = str(EXAMPLES / "complaint.filed.json")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the console script in this process; returns (exit code, stdout, stderr)."""
    for name in list(os.environ):
        if name.startswith("COMPLAINT_HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    def run(*args: str, **environ: str) -> tuple[int, str, str]:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        code = main(list(args))
        out, err = capsys.readouterr()
        for name in environ:
            monkeypatch.delenv(name)
        return code, out, err

    return run


@pytest.fixture
def pem(tmp_path: Path) -> str:
    (tmp_path / "keys").mkdir()
    private, _ = write_key_pair(tmp_path / "keys", "hz-2026")
    return str(private)


def test_a_missing_key_file_names_key_and_what_to_give(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "keys" / "hz2026.pem"
    code, _, err = cli("send", FILED, "--kid", "k", "--key", str(missing), "--url", "http://h")
    assert code == 1
    assert err == (
        f"complaint-hub: --key {missing}: no such file; give the private key KID.pem that"
        " `complaint-hub keys generate` wrote\n"
    )


def test_a_jwk_given_as_key_names_the_file_and_the_pem_beside_it(cli, pem: str) -> None:  # type: ignore[no-untyped-def]
    jwk = pem.removesuffix(".pem") + ".jwk.json"
    code, _, err = cli("send", FILED, "--kid", "k", "--key", jwk, "--url", "http://h")
    assert code == 1
    assert err.startswith(f"complaint-hub: --key {jwk}: not an unencrypted PKCS#8 PEM private key")
    assert "that is a JWK, the public half: give the KID.pem beside it" in err


def test_an_event_file_that_is_not_json_names_the_file(cli, pem: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "note.json"
    broken.write_text('{"type": "complaint.note_added",\n', encoding="utf-8")
    code, _, err = cli("send", str(broken), "--kid", "k", "--key", pem, "--url", "http://h")
    assert code == 1
    assert err.startswith(f"complaint-hub: {broken}: not JSON (")
    assert "line 2 column 1); the file must hold one event" in err
    batch = cli("send-batch", str(broken), "--kid", "k", "--key", pem, "--url", "http://h")
    assert batch[2].startswith(f"complaint-hub: {broken}: not JSON (")


def test_a_wrong_port_says_the_hub_is_not_there_without_ssl_default(cli, pem: str) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}"
    for command in (
        ("send", FILED),
        ("complaints", "list"),
    ):
        code, _, err = cli(*command, "--kid", "k", "--key", pem, "--url", url)
        assert code == 1, command
        assert "ssl:default" not in err
        assert err.startswith(f"complaint-hub: cannot reach the hub at --url {url}: "), err
        assert err.endswith("is the hub running at that address?\n"), err


def test_an_unknown_platform_or_region_filter_is_refused_like_a_status(cli, pem: str) -> None:  # type: ignore[no-untyped-def]
    signing = ("--kid", "k", "--key", pem, "--url", "http://127.0.0.1:9")
    code, out, err = cli("complaints", "list", "--platform", "taobo", *signing)
    assert code == 1
    assert out == ""
    assert err.startswith("complaint-hub: --platform taobo is no known platform code;")
    assert "did you mean taobao?" in err
    code, _, err = cli("complaints", "list", "--region", "3301", *signing)
    assert code == 1
    assert err.startswith("complaint-hub: --region: region '3301' is not a GB/T 2260 code")


def test_an_unknown_hub_variable_is_warned_with_the_one_meant(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("version", COMPLAINT_HUB_PORTT="9000", COMPLAINT_HUB_URL="http://h")
    assert code == 0
    assert out.strip()
    assert err == (
        "complaint-hub: warning: COMPLAINT_HUB_PORTT is not a setting, ignored;"
        " did you mean COMPLAINT_HUB_PORT?\n"
    )


def test_the_warning_knows_every_setting_of_the_table() -> None:
    from hub.settings import _VARIABLES, unknown_variables

    environ = {f"COMPLAINT_HUB_{suffix}": "x" for suffix in _VARIABLES}
    environ |= {"HUB_WORKER_SLOT": "1/2", "PROMETHEUS_MULTIPROC_DIR": "/tmp/m"}
    assert unknown_variables(environ) == []
    assert unknown_variables({"COMPLAINT_HUB_NOPE": "1"}) == ["COMPLAINT_HUB_NOPE"]


def test_a_broken_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """`complaint-hub ... | head -1`: more lines than the pipe holds, and the reader gone."""
    saved = tmp_path / "complaint-hub" / "profiles.json"
    saved.parent.mkdir()
    profiles = {f"p{n}": {"kid": "k", "key": "/k.pem", "url": "http://h"} for n in range(5000)}
    saved.write_text(json.dumps(profiles), encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m hub.cli profile list | head -1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["PROFILE", "KID", "KEY", "URL"]
    assert done.stderr == ""


def test_signing_options_come_from_the_environment_then_a_profile(cli, pem: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("send", FILED)
    assert code == 1
    assert err == (
        "complaint-hub: --kid, --key, --url missing: give --kid, --key, --url, set"
        " COMPLAINT_HUB_KID, COMPLAINT_HUB_KEY, COMPLAINT_HUB_URL, or save a profile"
        " (complaint-hub profile add default --kid ... --key ... --url ...)\n"
    )
    url = f"http://127.0.0.1:{free_port()}"
    # From the environment: the request is made, to the URL the variable names.
    code, _, err = cli(
        "send", FILED, COMPLAINT_HUB_KID="k", COMPLAINT_HUB_KEY=pem, COMPLAINT_HUB_URL=url
    )
    assert err.startswith(f"complaint-hub: cannot reach the hub at --url {url}"), err

    assert cli("profile", "add", "default", "--kid", "k", "--key", pem, "--url", url)[0] == 0
    code, out, _ = cli("profile", "list", "--json")
    assert json.loads(out) == [{"profile": "default", "kid": "k", "key": pem, "url": url}]
    code, _, err = cli("send", FILED)
    assert err.startswith(f"complaint-hub: cannot reach the hub at --url {url}"), err
    # An option given wins over the profile.
    code, _, err = cli("send", FILED, "--url", "http://127.0.0.1:9")
    assert err.startswith("complaint-hub: cannot reach the hub at --url http://127.0.0.1:9"), err
    code, _, err = cli("send", FILED, "--profile", "staging")
    assert code == 1
    assert err.startswith("complaint-hub: --profile staging: no such profile in ")
    assert "(saved: default)" in err


async def test_send_says_accepted_then_already_accepted(
    database_url: str, hub_base_url: str, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_HUB_")},
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }

    async def cli(*args: str) -> tuple[str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub.cli", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
        return out.decode(), err.decode()

    keys = tmp_path / "keys"
    await cli("keys", "generate", "--kid", "hz-2026", "--out", str(keys))
    await cli(
        "participants", "add", "bureau.hz", "--role", "bureau", "--name", "HZ", "--region", "330100"
    )
    await cli("keys", "add", "--participant", "bureau.hz", "--kid", "hz-2026",
        "--public-key", str(keys / "hz-2026.jwk.json"))  # fmt: skip
    env |= {
        "COMPLAINT_HUB_KID": "hz-2026",
        "COMPLAINT_HUB_KEY": str(keys / "hz-2026.pem"),
        "COMPLAINT_HUB_URL": hub_base_url,
    }
    out, err = await cli("send", FILED)
    event_id = json.loads(out)["event_id"]
    assert err == f"accepted: {event_id} at position 1, receipt verified\n"
    out, err = await cli("send", FILED)
    assert json.loads(out)["event_id"] == event_id
    assert err == (
        f"already accepted (stored receipt): {event_id} at position 1, receipt verified\n"
    )


def test_removing_a_participant_says_removed(database_url: str, tmp_path: Path) -> None:
    # in a child process: a command on the database configures logging for the process
    court = ("trial", "--role", "court", "--name", "Trial")
    run("participants", "add", *court, database_url=database_url, data_dir=tmp_path)
    removed = run("participants", "remove", "trial", database_url=database_url, data_dir=tmp_path)
    assert removed.stdout == "removed trial (court, Trial) and its keys\n"
