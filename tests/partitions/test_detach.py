"""`complaint-hub retention partitions` and `retention detach`: a 4-year-old month is refused while
a complaint of it still has its personal part, and detached into the archive once `retention run`
erased it; the feed then skips its positions, receipts of other months still verify, and
`audit verify` passes, with and without re-checking the archive. A dry run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from hub.store.partitions import add_months, month_start
from tests.api._lifecycle import Cast, new_complaint_id, prepare
from tests.clocks import MovableClock, app_on_clock
from tests.conftest import EXAMPLES
from tests.hubproc import run_hub_cli

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
NOW = datetime.now(UTC)
FOUR_YEARS_AGO = NOW - timedelta(days=4 * 365 + 1)
OLD_MONTH = month_start(FOUR_YEARS_AGO)
OLD_TABLE = f"events_{OLD_MONTH:%Y_%m}"
UNTIL = f"{add_months(OLD_MONTH, 1):%Y-%m}"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(FOUR_YEARS_AGO)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)  # the old month is created as it starts


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def _attached(db: asyncpg.Connection) -> set[str]:
    rows = await db.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'events'::regclass"
    )
    return {r["relname"] for r in rows}


async def test_an_erased_month_is_detached_and_everything_else_still_verifies(
    app: web.Application,
    client: Any,
    cast: Cast,
    clock: MovableClock,
    settings: Settings,
    db: asyncpg.Connection,
) -> None:
    bureau = await cast("bureau")
    old_id = new_complaint_id()
    written = await bureau.call("PUT", f"/v1/complaints/{old_id}/personal", json=PERSONAL)
    old = await prepare(
        cast,
        "bureau",
        9,
        old_id,
        personal_ref="personal-" + old_id,
        personal_commitment=written["personal_commitment"],
    )
    clock.now = NOW
    young = await prepare(cast, "bureau", 3)
    await app[AUDIT_LOG].publish()
    assert OLD_TABLE in await _attached(db)
    assert await db.fetchval(f"SELECT count(*) FROM {OLD_TABLE}") == 9

    # Listed with its rows, and not detachable yet: its complaint still has its personal part.
    listing = await run_hub_cli(settings, "retention", "partitions", "--json")
    assert listing.returncode == 0, listing.stderr
    months = {row["month"]: row for row in json.loads(listing.stdout)}
    old_row = months[f"{OLD_MONTH:%Y-%m}"]
    assert (old_row["rows"], old_row["positions"], old_row["detachable"]) == (9, "1..9", False)
    assert "1 complaint(s) not erased yet" in old_row["why_not"]
    assert months[f"{month_start(NOW):%Y-%m}"]["detachable"] is False
    assert months["default"]["rows"] == 0

    # So detaching it is refused, with the reason, and nothing changes.
    refused = await run_hub_cli(settings, "retention", "detach", "--before", UNTIL)
    assert refused.returncode == 1
    assert f"{OLD_MONTH:%Y-%m}: 1 complaint(s) not erased yet (retention run)" in refused.stderr
    assert OLD_TABLE in await _attached(db)
    # A month reaching into the retention period is refused for that too.
    too_late = await run_hub_cli(
        settings, "retention", "detach", "--before", f"{add_months(month_start(NOW), 1):%Y-%m}"
    )
    assert too_late.returncode == 1
    assert "changed since the cutoff" in too_late.stderr

    erased = await run_hub_cli(settings, "retention", "run", "--json")
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["erased"] == 1

    # A dry run lists the month and changes nothing.
    dry = await run_hub_cli(
        settings, "retention", "detach", "--before", UNTIL, "--dry-run", "--json"
    )
    assert dry.returncode == 0, dry.stderr
    assert [(r["month"], r["rows"]) for r in json.loads(dry.stdout)] == [(f"{OLD_MONTH:%Y-%m}", 9)]
    assert "nothing was changed" in dry.stderr
    assert OLD_TABLE in await _attached(db)
    assert await db.fetchval("SELECT count(*) FROM detached_months") == 0

    detached = await run_hub_cli(settings, "retention", "detach", "--before", UNTIL, "--json")
    assert detached.returncode == 0, detached.stderr
    assert [r["table"] for r in json.loads(detached.stdout)] == [f"archive.{OLD_TABLE}"]
    assert "detaching months: 1/1" in detached.stderr
    assert OLD_TABLE not in await _attached(db)
    assert await db.fetchval(f"SELECT count(*) FROM archive.{OLD_TABLE}") == 9
    # The archive is read-only, and the keys stay: the old ids are never used again.
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute(f"DELETE FROM archive.{OLD_TABLE}")
    assert await db.fetchval("SELECT count(*) FROM event_keys") == 12

    # The feed starts after the detached month, from any cursor inside it or before it.
    for after in (0, 4):
        page = await bureau.get_feed(after=after, limit=100)
        assert [item["position"] for item in page["items"]] == [10, 11, 12]
        for item in page["items"]:
            await bureau.verify_feed_item(item)
    # The other month's events and receipts are all there; a retry there gets its receipt.
    chain = await bureau.call("GET", f"/v1/complaints/{young.complaint_id}/events")
    assert [e["receipt"] for e in chain["events"]] == [a["receipt"] for a in young.answers]
    retry = await bureau.request("POST", "/v1/events", json=young.events[0])
    assert retry.status == 200
    assert retry.json()["receipt"] == young.answers[0]["receipt"]
    # A retry of a detached event: its id stays taken, never stored again; it is refused.
    stale = await bureau.request("POST", "/v1/events", json=old.events[0])
    assert stale.status == 409, stale.body
    assert await db.fetchval("SELECT count(*) FROM event_keys") == 12

    # The audit log still verifies: detached leaves stand for their events, or, when asked,
    # the archive's events are re-checked themselves.
    await app[AUDIT_LOG].publish()
    audit = await run_hub_cli(settings, "audit", "verify")
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith("ok: 12 events")
    assert "9 events of months detached to the archive" in audit.stdout
    full = await run_hub_cli(settings, "audit", "verify", "--archived", "--json")
    assert full.returncode == 0, full.stderr
    summary = json.loads(full.stdout)
    assert (summary["failures"], summary["detached_positions"]) == ([], 0)

    # Listed as detached; a second detach has nothing left to do.
    listing = await run_hub_cli(settings, "retention", "partitions", "--json")
    months = {row["month"]: row for row in json.loads(listing.stdout)}
    assert months[f"{OLD_MONTH:%Y-%m}"]["state"] == "detached"
    again = await run_hub_cli(settings, "retention", "detach", "--before", UNTIL)
    assert again.returncode == 0, again.stderr
    assert "no attached month" in again.stderr
