"""The wheel, installed the ordinary way outside the source tree, runs a hub that accepts events.

The wheel is built from a copy of the sources (so no `build/` directory of the working tree leaks
stale files into it) and installed with pip into a fresh virtual environment. Its dependencies are
the ones installed in the development environment, linked into the new one distribution by
distribution, following the wheel's own `Requires-Dist`: a dependency the wheel forgets to declare
is missing there, as it would be on a server. Nothing of the source tree is on that environment's
path, and the hub runs with its working directory elsewhere.
"""

from __future__ import annotations

import asyncio
import configparser
import email
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import asyncpg
import pytest
from packaging.requirements import Requirement

from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.hubproc import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# What the build reads: the packages, the top-level schemas/, and the packaging files.
SOURCES = ("hub", "adapters", "schemas", "setup.py", "setup.cfg", "pyproject.toml", "README.md")
# Source files that are not package data (notes beside the fixtures, compiled caches).
NOT_SHIPPED = ("__pycache__", "SOURCES.md")


def _copy_sources(target: Path) -> Path:
    target.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def _build_wheel(source: Path, out: Path) -> tuple[Path, str]:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    (wheel,) = out.glob("complaint_hub-*.whl")
    return wheel, result.stdout + result.stderr


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.message_from_bytes(archive.read(name))
    requirements = [Requirement(r) for r in message.get_all("Requires-Dist") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def _runtime_closure(requirements: list[Requirement]) -> list[metadata.Distribution]:
    """The installed distributions the requirements need, their own requirements included."""
    found: dict[str, metadata.Distribution] = {}
    pending = [(r, r.extras) for r in requirements]
    while pending:
        requirement, extras = pending.pop()
        dist = metadata.distribution(requirement.name)
        key = f"{dist.metadata['Name'].lower()}[{','.join(sorted(extras))}]"
        if key in found:
            continue
        found[key] = dist
        for text in dist.requires or []:
            sub = Requirement(text)
            wanted = sub.marker is None or any(
                sub.marker.evaluate({"extra": extra}) for extra in ("", *extras)
            )
            if wanted:
                pending.append((sub, sub.extras))
    return list({d.metadata["Name"].lower(): d for d in found.values()}.values())


def _link_distributions(dists: list[metadata.Distribution], site_packages: Path) -> None:
    """Link each distribution's top-level entries (packages, modules, dist-info) into the venv."""
    for dist in dists:
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in tops - {".."}:
            source = Path(str(dist.locate_file(top)))
            target = site_packages / top
            if source.exists() and not target.exists():
                target.symlink_to(source, target_is_directory=source.is_dir())


def _fresh_venv(where: Path, wheel: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    (site_packages,) = where.glob("lib/python*/site-packages")
    _link_distributions(_runtime_closure(_requirements(wheel)), site_packages)
    # pip from the development environment installs into the new one; --no-index: every
    # dependency must already be there, so its resolver proves the linked set complete.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(where / "bin" / "python"),
            "install",
            "-q",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return site_packages


def _probe(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@contextmanager
def _serve(venv: Path, env: dict[str, str], cwd: Path, log: Path) -> Iterator[str]:
    """`complaint-hub serve` from the venv; yields its URL once /readyz answers at all."""
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    child_env |= env | {"COMPLAINT_HUB_PORT": str(port), "COMPLAINT_HUB_HOST": "127.0.0.1"}
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            # One worker: the check is the install, and the machine's cores are shared.
            [str(venv / "bin" / "complaint-hub"), "serve", "--workers", "1"],
            env=child_env,
            cwd=cwd,
            stdout=out,
            stderr=out,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    _probe(url + "/readyz")
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        tail = log.read_text()[-2000:]
                        raise RuntimeError(f"hub did not start: {tail}") from None
                    time.sleep(0.1)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 90
    while (status := _probe(url + "/readyz")[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200


def _install(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Build, check and install the wheel; returns the venv, its site-packages, a directory."""
    wheel, build_output = _build_wheel(_copy_sources(tmp_path / "src"), tmp_path / "dist")
    assert "warning" not in build_output.lower(), build_output

    # Every data file of the packages, and every schema and example, is in the wheel.
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    expected = {
        str(path.relative_to(REPO))
        for package in ("hub", "adapters")
        for path in (REPO / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and path.name not in NOT_SHIPPED
        if "__pycache__" not in path.parts
    } | {f"hub/{p.relative_to(REPO)}" for p in (REPO / "schemas").rglob("*.json")}
    assert expected - shipped == set()

    venv = tmp_path / "venv"
    site_packages = _fresh_venv(venv, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import hub, hub.schemas; print(hub.__file__)"],
        cwd=elsewhere,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site_packages)
    return venv, site_packages, elsewhere


def _installed_adapters(venv: Path, cwd: Path) -> dict[str, str]:
    """`complaint-hub adapters list` in the venv: each platform code and where it came from."""
    listed = subprocess.run(
        [str(venv / "bin" / "complaint-hub"), "adapters", "list", "--json"],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        capture_output=True,
        text=True,
        check=True,
    )
    return {row["code"]: row["source"] for row in json.loads(listed.stdout)}


async def test_the_wheel_installed_outside_the_tree_serves_and_accepts_a_signed_event(
    database_url: str, tmp_path: Path
) -> None:
    venv, site_packages, elsewhere = await asyncio.to_thread(_install, tmp_path)
    # Adapters are found through the wheel's entry points alone, one per setup.cfg line.
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg", encoding="utf-8")
    lines = setup["options.entry_points"]["complaint_hub.adapters"].splitlines()
    registered = {line.partition("=")[0].strip() for line in lines if "=" in line}
    installed = await asyncio.to_thread(_installed_adapters, venv, elsewhere)
    assert installed == dict.fromkeys(sorted(registered), "complaint-hub")

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    participants = ParticipantStore(pool)
    await participants.add(
        Participant("bureau.zj.hz", "Hangzhou AMR", "bureau", None, ("330100",), None, True)
    )
    key = generate_private_key()
    await participants.add_key("bureau.zj.hz", "bureau-k1", public_key_raw(key.public_key()))
    await pool.close()
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path / "data"),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }

    with _serve(venv, env, elsewhere, tmp_path / "hub.log") as url:
        await asyncio.to_thread(_wait_ready, url)
        status, listing = _probe(url + "/schemas/")
        assert status == 200
        assert b"event-v1.json" in listing
        assert _probe(url + "/schemas/examples/complaint.filed.json")[0] == 200
        assert _probe(url + "/openapi.json")[0] == 200
        async with HubClient(url, "bureau-k1", key) as client:
            filed = example(
                "complaint.filed", event_id=str(uuid.uuid4()), complaint_id="bureau.zj.hz:WHEEL-1"
            )
            # verify=True: the receipt is checked against the hub's published key.
            accepted = await client.post_event(filed)
        assert accepted["receipt_payload"]["event_id"] == filed["event_id"]

    # A broken install (a schema missing) is refused at readiness, naming the cause.
    (site_packages / "hub" / "schemas" / "event-v1.json").unlink()
    with _serve(venv, env, elsewhere, tmp_path / "broken.log") as url:
        status, body = await asyncio.to_thread(_probe, url + "/readyz")
        assert status == 503
        assert b"schemas cannot be loaded" in body
