"""`complaint-hub retention run`: a 4-year-old complaint's personal part is crypto-shredded while
its events, receipts and the audit log still verify; a 2-year-old one is untouched; a dry run
changes nothing. Dates come from the injected clock, the command itself runs on today's."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.crypto.jcs import canonical_json, sha256_hex
from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from hub.store.resources import POOL
from hub.store.retention import RetentionStore
from tests.api._lifecycle import Cast, new_complaint_id, prepare, step_event, step_sender
from tests.clocks import MovableClock, app_on_clock
from tests.conftest import EXAMPLES
from tests.hubproc import run_hub_cli

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
# Pieces of the personal part that must be nowhere once it is erased.
SECRETS = (
    PERSONAL["consumer"]["name"],
    PERSONAL["consumer"]["phone"],
    PERSONAL["consumer"]["address"],
    PERSONAL["narrative"][:20],
)
NOW = datetime.now(UTC)
FOUR_YEARS_AGO = NOW - timedelta(days=4 * 365 + 1)
TWO_YEARS_AGO = NOW - timedelta(days=2 * 365)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(FOUR_YEARS_AGO)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def _case_with_personal(cast: Cast, steps: int) -> tuple[str, list[dict[str, Any]]]:
    """A bureau-filed case with a personal part, driven `steps` along the bureau path; returns its
    id and the (event sent, hub's answer) pairs."""
    bureau = await cast("bureau")
    complaint_id = new_complaint_id()
    written = await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    prepared = await prepare(
        cast,
        "bureau",
        steps,
        complaint_id,
        personal_ref="personal-" + complaint_id,
        personal_commitment=written["personal_commitment"],
    )
    return complaint_id, [
        {"event": sent, "answer": answer}
        for sent, answer in zip(prepared.events, prepared.answers, strict=True)
    ]


async def _personal_rows(db: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT * FROM personal_parts ORDER BY complaint_id")
    return [dict(r) for r in rows]


async def _database_text(db: asyncpg.Connection) -> str:
    """Every row of every table, as text: where a consumer's data could be left behind."""
    tables = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    parts = []
    for table in tables:
        rows = await db.fetch(f'SELECT t::text AS row FROM "{table["tablename"]}" t')
        parts.extend(r["row"] for r in rows)
    # bytea columns print as hex: decode them too, so plain text stored as bytes is found.
    text = "\n".join(parts)
    decoded = [
        bytes.fromhex(found[: len(found) // 2 * 2]).decode("utf-8", errors="ignore")
        for found in re.findall(r"\\x([0-9a-f]+)", text)
    ]
    return text + "\n".join(decoded)


async def test_retention_run_erases_a_four_year_old_part_and_leaves_everything_verifiable(
    app: web.Application,
    cast: Cast,
    clock: MovableClock,
    settings: Settings,
    db: asyncpg.Connection,
) -> None:
    clock.now = FOUR_YEARS_AGO
    old_id, old_events = await _case_with_personal(cast, 9)  # filed, ..., closed
    clock.now = TWO_YEARS_AGO
    young_id, _ = await _case_with_personal(cast, 3)
    await app[AUDIT_LOG].publish()
    bureau, platform = await cast("bureau"), await cast("platform")
    assert (await bureau.call("GET", f"/v1/complaints/{old_id}/personal"))["personal"] == PERSONAL

    # A dry run lists the old complaint (id and dates), and changes nothing.
    before = await _personal_rows(db)
    dry = await run_hub_cli(settings, "retention", "run", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    listed = [json.loads(line) for line in dry.stdout.splitlines()]
    assert [row["complaint_id"] for row in listed] == [old_id]
    assert set(listed[0]) == {"complaint_id", "last_changed_at", "expired_at"}
    assert "nothing was changed" in dry.stderr
    assert await _personal_rows(db) == before
    assert await db.fetchval("SELECT count(*) FROM erasures") == 0
    for secret in SECRETS:
        assert secret not in dry.stdout + dry.stderr

    run = await run_hub_cli(settings, "retention", "run", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["expired"], summary["erased"], summary["retention_years"]) == (1, 1, 3)
    assert "erasing personal parts: 1/1" in run.stderr  # a plain progress line off a terminal

    # Nothing of the part is readable through the API ...
    for reader in (bureau, platform):
        response = await reader.request("GET", f"/v1/complaints/{old_id}/personal")
        assert response.status == 410
        for secret in SECRETS:
            assert secret.encode() not in response.body
    # ... or in the database: key, salt and ciphertexts are gone, and no table holds plain text.
    row = await db.fetchrow("SELECT * FROM personal_parts WHERE complaint_id = $1", old_id)
    assert row is not None
    assert row["erased_at"] is not None
    for column in ("wrapped_data_key", "nonce", "ciphertext", "evidence_nonce"):
        assert row[column] is None
    assert row["evidence_ciphertext"] is None
    stored = await _database_text(db)
    for secret in SECRETS:
        assert secret not in stored

    # The erasure is recorded, with dates only.
    erasure = await db.fetchrow("SELECT * FROM erasures")
    assert erasure is not None
    assert erasure["complaint_id"] == old_id
    assert erasure["reason"] == "retention"
    last_changed = await db.fetchval(
        "SELECT updated_at FROM complaints WHERE complaint_id = $1", old_id
    )
    assert erasure["last_changed_at"] == last_changed
    assert abs(last_changed - FOUR_YEARS_AGO) < timedelta(seconds=1)

    # Every receipt of its events still verifies, against the event as sent and as stored.
    chain = await bureau.call("GET", f"/v1/complaints/{old_id}/events")
    assert len(chain["events"]) == len(old_events) == 9
    for item, sent in zip(chain["events"], old_events, strict=True):
        for token in (sent["answer"]["receipt"], item["receipt"]):
            payload = await bureau.verify_receipt(token)
            assert payload["event_id"] == sent["event"]["event_id"]
            assert payload["event_sha256"] == sha256_hex(canonical_json(sent["event"]))
    # The filing event still carries the commitment; without the salt it can't be re-checked.
    assert chain["events"][0]["event"]["data"]["personal_commitment"].startswith("sha256:")

    # The audit log, re-checked from scratch by the command an authority runs, still verifies.
    await app[AUDIT_LOG].publish()
    audit = await run_hub_cli(settings, "audit", "verify")
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith("ok: 12 events")

    # The two-year-old complaint is untouched.
    young = await bureau.call("GET", f"/v1/complaints/{young_id}/personal")
    assert young["personal"] == PERSONAL
    assert young["commitment_matches_filing"] is True

    # Running again erases nothing more.
    again = await run_hub_cli(settings, "retention", "run", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["erased"] == 0
    assert await db.fetchval("SELECT count(*) FROM erasures") == 1


async def test_a_complaint_that_changes_after_being_listed_is_not_erased(
    app: web.Application, cast: Cast, clock: MovableClock
) -> None:
    clock.now = FOUR_YEARS_AGO
    complaint_id, _events = await _case_with_personal(cast, 2)
    store = RetentionStore(app[POOL])
    cutoff = NOW - timedelta(days=3 * 365 + 1)
    listed = await store.expired(cutoff, after="", limit=10)
    assert [p.complaint_id for p in listed] == [complaint_id]

    # Between the listing and the erasure the case moves on: it is no longer expired.
    clock.now = NOW
    await prepare_next(cast, complaint_id)
    erased = await store.erase_expired(
        [complaint_id],
        cutoff,
        erased_at=NOW,
        retention_years=3,
        run_id=uuid.uuid4(),
    )
    assert erased == []
    bureau = await cast("bureau")
    shown = await bureau.call("GET", f"/v1/complaints/{complaint_id}/personal")
    assert shown["personal"] == PERSONAL


async def prepare_next(cast: Cast, complaint_id: str) -> None:
    await (await cast(step_sender("bureau", 3))).post_event(step_event("bureau", 3, complaint_id))


async def test_an_interrupted_run_resumes_where_it_stopped(
    app: web.Application, cast: Cast, clock: MovableClock, db: asyncpg.Connection
) -> None:
    from hub.retention.run import run_retention

    clock.now = FOUR_YEARS_AGO
    ids = sorted([(await _case_with_personal(cast, 1))[0] for _ in range(3)])
    store = RetentionStore(app[POOL])

    class Interrupted(Exception):
        pass

    def stop_after_first_batch(done: int, total: int) -> None:
        if done == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        await run_retention(store, NOW, 3, batch=1, progress=stop_after_first_batch)
    erased = await db.fetch("SELECT complaint_id FROM personal_parts WHERE erased_at IS NOT NULL")
    assert [r["complaint_id"] for r in erased] == ids[:1]

    summary = await run_retention(store, NOW, 3, batch=2)
    assert (summary.expired, summary.erased) == (2, 2)
    recorded = await store.erasures()
    assert [e.complaint_id for e in recorded] == ids


async def test_a_part_never_filed_expires_from_its_own_last_write(
    app: web.Application, cast: Cast, db: asyncpg.Connection
) -> None:
    from hub.retention.run import run_retention

    bureau = await cast("bureau")
    stale, fresh = sorted(new_complaint_id() for _ in range(2))
    for complaint_id in (stale, fresh):
        await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    # Written and never filed: no case row, so the part's own last write starts the period.
    await db.execute(
        "UPDATE personal_parts SET updated_at = $2 WHERE complaint_id = $1", stale, FOUR_YEARS_AGO
    )
    await db.execute(
        "UPDATE personal_parts SET updated_at = $2 WHERE complaint_id = $1", fresh, TWO_YEARS_AGO
    )
    summary = await run_retention(RetentionStore(app[POOL]), NOW, 3)
    assert summary.erased == 1
    rows = await db.fetch("SELECT complaint_id, erased_at FROM personal_parts ORDER BY 1")
    assert [(r["complaint_id"], r["erased_at"] is not None) for r in rows] == [
        (stale, True),
        (fresh, False),
    ]
