"""Cheap aggregate reads behind the scrape-time gauges of /metrics (hub/ops/metrics/database.py).

Facts of the database, not of one process: read at scrape time, they are right whatever the
number of hub processes. Each is one aggregate over a small table, except the deadline counts,
one pass over the cases (about 0.2 s at 100,000 cases; the scrape caches the whole read).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from hub.domain.lifecycle import TERMINAL
from hub.store.migrate import pending_migrations
from hub.store.pool import Conn

# A case not against a platform (a report, a court's case) is counted under this label.
NO_PLATFORM = "none"


@dataclasses.dataclass(frozen=True)
class PlatformSync:
    platform: str
    lag_s: int | None
    last_success_at: datetime | None
    consecutive_failures: int
    backlog: bool


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Webhook subscriptions of one owner in one state, and the events beyond their cursors."""

    owner: str
    state: str
    count: int
    backlog_events: int


@dataclasses.dataclass(frozen=True)
class GaugeFacts:
    sync: list[PlatformSync]
    endpoints: list[Endpoints]
    deadlines_open: dict[str, int]  # platform -> cases with a running (breachable) deadline
    deadlines_breached: dict[str, int]  # platform -> open cases with a breached deadline
    feed_position: int
    pending_migrations: int


async def read_gauge_facts(conn: Conn) -> GaugeFacts:
    head = int(await conn.fetchval("SELECT last FROM feed_counter"))
    sync = [
        PlatformSync(
            r["platform"],
            r["lag_s"],
            r["last_success_at"],
            r["consecutive_failures"],
            r["backlog"],
        )
        for r in await conn.fetch(
            "SELECT platform, lag_s, last_success_at, consecutive_failures, backlog"
            " FROM sync_state ORDER BY platform"
        )
    ]
    # The backlog is an upper bound: events beyond the cursor the owner may not read still count.
    endpoints = [
        Endpoints(r["owner"], r["state"], r["count"], int(r["backlog"]))
        for r in await conn.fetch(
            "SELECT owner, state, count(*) AS count,"
            " coalesce(sum(greatest($1::bigint - delivered_position, 0)), 0) AS backlog"
            " FROM subscriptions GROUP BY owner, state ORDER BY owner, state",
            head,
        )
    ]
    # One pass over the cases for both counts: the scan, not the filters, is what costs.
    deadline_rows = await conn.fetch(
        "SELECT coalesce(respondent_platform, $1) AS platform,"
        " count(*) FILTER (WHERE breachable_due_on IS NOT NULL) AS open,"
        " count(*) FILTER (WHERE NOT (status = ANY($2::text[]))"
        """ AND snapshot #> '{public,deadlines}' @> '[{"breached": true}]'::jsonb) AS breached"""
        " FROM complaints GROUP BY 1",
        NO_PLATFORM,
        sorted(str(s) for s in TERMINAL),
    )
    return GaugeFacts(
        sync=sync,
        endpoints=endpoints,
        deadlines_open={r["platform"]: r["open"] for r in deadline_rows},
        deadlines_breached={r["platform"]: r["breached"] for r in deadline_rows},
        feed_position=head,
        pending_migrations=len(await pending_migrations(conn)),
    )
