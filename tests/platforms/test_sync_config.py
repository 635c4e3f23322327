"""Pull-mode configuration and retry pacing: platforms.json, the backoff, the disabled default."""

from __future__ import annotations

import asyncio
import json
import random
import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from hub.demo.simulators.traffic import pdd_order_sn
from hub.platforms.sync.config import SyncConfigError, parse_targets
from hub.platforms.sync.resources import SYNC_WORKERS
from hub.platforms.sync.worker import backoff_s

PDD = "platform.pinduoduo"


def test_a_malformed_platforms_json_entry_names_the_platform_and_field() -> None:
    with pytest.raises(SyncConfigError, match="base_url"):
        parse_targets({"pinduoduo": {"base_url": "ftp://x", "participant": PDD}})
    with pytest.raises(SyncConfigError, match="unknown fields"):
        parse_targets({"pinduoduo": {"base_url": "https://x", "participant": PDD, "every": 5}})
    targets = parse_targets({"pinduoduo": {"base_url": "https://gw.example/", "participant": PDD}})
    assert targets["pinduoduo"].base_url == "https://gw.example"


async def test_without_platforms_json_no_platform_is_polled(client: Any) -> None:
    assert client.app[SYNC_WORKERS] == {}


@pytest.mark.parametrize(
    ("failures", "draw", "expected_s"),
    [
        (0, 0.9, 60.0),  # healthy: the configured interval
        (1, 0.0, 30.0),  # first failure: half to all of the interval
        (1, 0.999, 59.97),
        (3, 0.5, 180.0),  # 240 s base: 120 s plus half of the jitter range
        (20, 0.0, 450.0),  # capped at 900 s, jittered in its upper half
    ],
)
def test_backoff_doubles_per_failure_is_capped_and_jittered(
    failures: int, draw: float, expected_s: float
) -> None:
    assert backoff_s(failures, 60.0, 900.0, draw) == pytest.approx(expected_s)


def test_the_order_sn_generator_matches_the_canonical_order_id_pattern() -> None:
    assert re.fullmatch(r"[0-9]+(-[0-9]+)*", pdd_order_sn(random.Random(1)))


async def test_sync_status_command_shows_configured_platforms_and_their_state(
    database_url: str, tmp_path: Path, db: asyncpg.Connection
) -> None:
    from tests.cli.test_cli import run

    target = {"base_url": "https://gw.example/api/router", "participant": PDD}
    (tmp_path / "platforms.json").write_text(json.dumps({"pinduoduo": target}))
    await db.execute(
        "INSERT INTO sync_state (platform, cursor, lag_s, rejects, updated_at)"
        " VALUES ('pinduoduo', '1794360600:1', 12, '{\"response-unsigned\": 2}', now())"
    )

    shown = json.loads(
        (
            await asyncio.to_thread(
                run, "sync", "status", "--json", database_url=database_url, data_dir=tmp_path
            )
        ).stdout
    )
    table = (
        await asyncio.to_thread(run, "sync", "status", database_url=database_url, data_dir=tmp_path)
    ).stdout

    assert [(r["platform"], r["configured"], r["lag_s"]) for r in shown] == [
        ("pinduoduo", True, 12)
    ]
    assert shown[0]["rejects"] == {"response-unsigned": 2}
    assert "response-unsigned=2" in table
