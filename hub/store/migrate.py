"""Numbered .sql migrations, applied once each under a PostgreSQL advisory lock."""

from __future__ import annotations

import dataclasses
import re
from importlib import resources

import structlog

from hub.store.pool import Conn

log = structlog.get_logger("hub.migrate")

# Any constant works, as long as every hub process uses the same one.
_MIGRATION_LOCK_KEY = 0x636F6D706C61696E  # "complain"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclasses.dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("hub.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    # Numbers are handed out ahead of time to work in progress, so gaps are expected; each
    # missing number is applied whenever its file arrives. Two files of one number are a mistake.
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


async def _ensure_table(conn: Conn) -> None:
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            number     integer PRIMARY KEY,
            name       text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


async def applied_numbers(conn: Conn) -> set[int]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return set()
    return {row["number"] for row in await conn.fetch("SELECT number FROM schema_migrations")}


async def migrate(conn: Conn) -> list[Migration]:
    """Apply every pending migration; return those this call applied.

    Concurrent callers (several hubs starting at once) serialise on the advisory lock, and each
    re-reads what is applied after taking it, so every migration runs exactly once.
    """
    applied_now: list[Migration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
    try:
        await _ensure_table(conn)
        done = await applied_numbers(conn)
        for migration in available_migrations():
            if migration.number in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)",
                    migration.number,
                    migration.name,
                )
            log.info("migration_applied", number=migration.number, name=migration.name)
            applied_now.append(migration)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_KEY)
    return applied_now


async def pending_migrations(conn: Conn) -> list[Migration]:
    done = await applied_numbers(conn)
    return [m for m in available_migrations() if m.number not in done]
