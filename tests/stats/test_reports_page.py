"""The report page: served only with the reports token, drawn with inline SVG, and rendered by a
real headless Chromium (Debian's `chromium`), whose screenshot is kept as a test artefact."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.settings import Settings
from hub.stats.resources import STATS_WORKER
from tests.conftest import needs_tool
from tests.stats._year import DISTRICTS, Clock, append_year, plan_year

TOKEN = "reports-token-for-tests"
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        log_format="console",
        pool_size=5,
        reports_token=TOKEN,
    )


async def _chromium(url: str, *args: str) -> str:
    browser = needs_tool("chromium")
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            *args,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0
    return stdout.decode()


async def test_the_report_page_renders_in_chromium_with_its_charts(
    clock: Clock, client: Any, app: web.Application, enrol: Any
) -> None:
    for district, participant in DISTRICTS.items():
        await enrol(participant, "bureau", regions=(district,))
    # a year busy enough that platforms' and categories' yearly figures survive suppression
    await append_year(app, plan_year(seed=11, complaints=900, reports=10))
    await app[STATS_WORKER].catch_up()
    url = str(client.make_url("/reports").with_query(token=TOKEN, year="2026"))

    response = await client.get("/reports", params={"token": TOKEN, "year": "2026"})
    assert response.status == 200
    page = await response.text()
    assert "<svg" in page
    assert "平台排行" in page
    assert 'id="bureaus"' in page  # the bureaus' own timeliness, apart from the platforms'
    # 受理 is a bureau's acceptance: what was received is 收到, never 受理投诉
    assert "收到投诉" in page
    assert "受理投诉" not in page
    assert "挽回经济损失" in page
    assert '"Noto Sans CJK SC"' in page  # a font that draws Chinese, named before the default
    assert "@media print" in page

    dom = await _chromium(url, "--dump-dom")
    assert dom.count("<svg") >= 3  # trend, platforms, categories
    assert "<polyline" in dom
    assert "<rect" in dom
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "reports-2026.png"
    shot.unlink(missing_ok=True)
    await _chromium(url, f"--screenshot={shot}", "--window-size=1280,2400")
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 401),
        ("?token=wrong", 401),
        (f"?token={TOKEN}&year=20x6", 400),
        (f"?token={TOKEN}&month=13", 400),
        (f"?token={TOKEN}&region=33", 400),
        (f"?token={TOKEN}&year=2026&month=11&region=330106", 200),
    ],
)
async def test_the_report_page_asks_for_its_token(
    clock: Clock, client: Any, query: str, status: int
) -> None:
    response = await client.get("/reports" + query)
    assert response.status == status


async def test_without_a_token_setting_there_is_no_report_page(settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, reports_token=None))
    async with TestClient(TestServer(app, host="127.0.0.1")) as plain:
        response = await plain.get(f"/reports?token={TOKEN}")
        assert response.status == 404
