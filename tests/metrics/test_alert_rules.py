"""The example alert rules and scrape config: valid for promtool, and about series /metrics has."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient

from hub.settings import Settings
from tests.metrics._scrape import BEARER, TOKEN
from tests.metrics.test_metrics_http import promtool

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
HERE = Path(__file__).resolve().parent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


async def _promtool(*args: str, cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        promtool(),
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_promtool_accepts_the_alert_rules() -> None:
    code, output = await _promtool("check", "rules", "alerts.yml", cwd=PROMETHEUS)
    assert code == 0, output


async def test_the_alert_rules_fire_as_their_unit_tests_expect() -> None:
    code, output = await _promtool("test", "rules", "alerts_test.yml", cwd=HERE)
    assert code == 0, output


async def test_promtool_accepts_the_scrape_config() -> None:
    # Syntax only: the token file it names exists on a Prometheus server, not here.
    code, output = await _promtool(
        "check", "config", "--syntax-only", "prometheus.yml", cwd=PROMETHEUS
    )
    assert code == 0, output


def _rules() -> list[dict[str, str]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_rules_cover_what_operators_asked_for() -> None:
    names = {rule["alert"] for rule in _rules()}
    assert {
        "ComplaintHubPlatformSyncLagHigh",
        "ComplaintHubWebhookEndpointDisabled",
        "ComplaintHubDeadlineBreachesRising",
        "ComplaintHubNotReady",
    } <= names


async def test_every_hub_series_an_alert_reads_is_exported(client: TestClient) -> None:
    response = await client.get("/metrics", headers=BEARER)
    exported = set(re.findall(r"^# TYPE (\S+)", await response.text(), re.MULTILINE))
    used = {name for rule in _rules() for name in re.findall(r"\bhub_[a-z_]+", rule["expr"])}

    assert used
    assert used <= exported, f"alerts read series /metrics lacks: {sorted(used - exported)}"
