"""Master-key rotation re-seals every readable personal part under the new version while the hub
serves, in resumable batches; afterwards the old version can leave the key file."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.privacy.keyfile import MasterKeys, load_master_keys, write_master_keys
from hub.sdk.client import HubClient
from hub.supervisor import SUPERVISOR
from hub.vault.resources import MASTER_KEYS, PERSONAL_REWRAP
from tests.api._lifecycle import Cast, new_complaint_id, prepare
from tests.conftest import EXAMPLES

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))


async def _write_parts(cast: Cast, count: int) -> list[str]:
    """Filed complaints, each with its own personal part."""
    bureau = await cast("bureau")
    ids = sorted(new_complaint_id() for _ in range(count))
    for complaint_id in ids:
        personal = {**PERSONAL, "narrative": f"{PERSONAL['narrative']} ({complaint_id})"}
        path = f"/v1/complaints/{complaint_id}/personal"
        written = await bureau.call("PUT", path, json=personal)
        await prepare(
            cast,
            "bureau",
            1,
            complaint_id,
            personal_ref="personal-" + complaint_id,
            personal_commitment=written["personal_commitment"],
        )
    return ids


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def _versions(db: asyncpg.Connection) -> list[int]:
    rows = await db.fetch("SELECT key_version FROM personal_parts ORDER BY complaint_id")
    return [r["key_version"] for r in rows]


async def _rotate(app: web.Application) -> MasterKeys:
    source = app[MASTER_KEYS]
    write_master_keys(source.path, load_master_keys(source.path, generate=False).rotated())
    return await source.reload()


async def _read_all(bureau: HubClient, ids: list[str]) -> list[str]:
    shown = [await bureau.call("GET", f"/v1/complaints/{i}/personal") for i in ids]
    return [s["personal"]["narrative"] for s in shown]


async def test_rotation_reseals_every_part_in_batches_while_reads_go_on(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    bureau = await cast("bureau")
    ids = await _write_parts(cast, 5)
    before = await _read_all(bureau, ids)
    commitments = await db.fetch("SELECT commitment FROM personal_parts ORDER BY complaint_id")
    assert await _versions(db) == [1] * 5

    # Every hub runs the re-sealer; here it is stopped so that the test takes each step itself.
    assert app[SUPERVISOR].is_running("personal-rewrap")
    await app[SUPERVISOR].stop("personal-rewrap")
    keys = await _rotate(app)
    assert keys.current == 2
    rewrap = app[PERSONAL_REWRAP]
    # One batch of two, then the hub is stopped: the rest waits, and every part reads meanwhile.
    assert await rewrap.reseal_batch(limit=2) == 2
    assert sorted(await _versions(db)) == [1, 1, 1, 2, 2]
    assert await _read_all(bureau, ids) == before

    # The rest, while readers keep reading.
    reads = asyncio.gather(*(_read_all(bureau, ids) for _ in range(3)))
    assert await rewrap.run_once() == 3
    assert await reads == [before] * 3
    assert await _versions(db) == [2] * 5
    assert await rewrap.run_once() == 0  # nothing left: resumable, and idempotent

    # Same salt, so the same commitment: the filing events still match.
    assert await db.fetch("SELECT commitment FROM personal_parts ORDER BY complaint_id") == (
        commitments
    )
    # Version 1 can now leave the key file; every part still reads.
    source = app[MASTER_KEYS]
    only_current = MasterKeys(2, {2: keys.key(2)})
    write_master_keys(source.path, only_current)
    await source.reload()
    assert await _read_all(bureau, ids) == before


async def test_erased_parts_are_left_alone(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    operator = await cast("operator")
    ids = await _write_parts(cast, 2)
    await app[SUPERVISOR].stop("personal-rewrap")
    await operator.call("DELETE", f"/v1/complaints/{ids[0]}/personal")
    await _rotate(app)
    assert await app[PERSONAL_REWRAP].run_once() == 1
    erased = await db.fetchrow("SELECT * FROM personal_parts WHERE complaint_id = $1", ids[0])
    assert erased is not None
    assert erased["key_version"] == 1
    assert erased["wrapped_data_key"] is None
