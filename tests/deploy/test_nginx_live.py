"""deploy/nginx.conf running: a body over the hub's limit gets the hub's own problem document.

nginx is started on free ports with the site as shipped, but for what exists only in the compose
network (the upstream names, the certificate's place). Its upstream is an in-process hub, so a
body at the limit crosses to the hub and one byte more is refused by nginx, which must answer
as the hub itself would.
"""

from __future__ import annotations

import io
import json
import re
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from hub.settings import Settings
from tests.conftest import needs_tool
from tests.hubproc import free_port
from tests.waiting import eventually

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The hub as deployed: the default body limit (the shared fixture lowers it for speed).
    return Settings(database_url=database_url, data_dir=tmp_path, log_format="console")


@pytest.fixture
def nginx(tmp_path: Path, client: TestClient) -> Iterator[str]:
    """nginx with the shipped site in front of the test hub; yields its https URL."""
    subprocess.run(
        ["sh", str(DEPLOY / "dev-cert.sh"), "localhost", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    hub = f"127.0.0.1:{client.port}"
    https, http = free_port(), free_port()
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = re.sub(r"server hub-[ab]:8080", f"server {hub}", site)
    for place in ("/etc/nginx/tls/", "/var/log/nginx/"):
        site = site.replace(place, f"{tmp_path}/")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")
    site = site.replace("listen 80 default_server", f"listen 127.0.0.1:{http} default_server")
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.MULTILINE)
    nginx = needs_tool("nginx")
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    if tuple(int(n) for n in re.findall(r"nginx/(\d+)\.(\d+)\.(\d+)", version)[0]) < (1, 25, 1):
        site = site.replace("    http2 on;\n", "")  # older nginx: HTTP/1.1 is what is tested
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        "daemon off;\n"
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stderr=subprocess.PIPE,
    )
    try:
        yield f"https://127.0.0.1:{https}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


async def _post(url: str, size: int) -> tuple[int, str, dict[str, object]]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the development certificate is self-signed
    async with aiohttp.ClientSession() as session:

        async def answer() -> tuple[int, str, dict[str, object]] | None:
            try:
                async with session.post(
                    url + "/v1/events",
                    data=io.BytesIO(b" " * size),
                    headers={"Content-Type": "application/json"},
                    ssl=context,
                ) as response:
                    return response.status, response.content_type, await response.json()
            except aiohttp.ClientConnectorError:
                return None  # nginx takes a moment to listen

        return await eventually(answer, timeout_s=30, interval_s=0.05)


async def test_a_body_over_the_limit_gets_the_problem_the_hub_itself_sends(
    nginx: str, client: TestClient, enrol: Any
) -> None:
    limit = Settings().max_body_bytes
    # What the hub answers on its own to a signed body one byte too long.
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    body = b" " * (limit + 1)
    headers = bureau.signed_headers(
        "POST", "/v1/events", body, {"Content-Type": "application/json"}
    )
    direct = await client.post("/v1/events", data=io.BytesIO(body), headers=headers)
    assert direct.status == 413
    hub_problem = await direct.json()

    # Unsigned through nginx: had it reached the hub, the answer would be a 401.
    status, content_type, problem = await _post(nginx, limit + 1)
    assert (status, content_type) == (413, "application/problem+json")
    same = ("type", "title", "status", "detail", "max_bytes")
    assert {k: problem.get(k) for k in same} == {k: hub_problem.get(k) for k in same}
    assert re.fullmatch(r"[0-9a-f]{32}", str(problem["request_id"]))

    # A body at the limit is not nginx's to refuse: it reaches the hub, which answers for it.
    status, content_type, problem = await _post(nginx, limit)
    assert status != 413
    assert content_type == "application/problem+json"
    assert "request_id" in problem
    json.dumps(problem)
