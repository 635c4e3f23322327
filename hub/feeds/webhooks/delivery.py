"""The delivery worker: at-least-once, in position order per subscription, driven from PostgreSQL.

Every hub process runs one. A pass leases due subscriptions (committed before any network I/O),
then for each reads pages of events after its cursor (each with its case's current state, in one
query), drops those its owner may no longer read or did not ask for, and POSTs the rest one at a
time, in order. The run keeps its lease while there is work: the cursor is stored, the lease
renewed and the owner's rights re-read in one statement per page (and before any POST that could
outlast the lease). Anything but a 2xx schedules a retry with backoff and stops that
subscription's run, so nothing is ever delivered past an event that has not been; a crash
redelivers at most the events since the last stored cursor, which at-least-once allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import structlog

from hub.crypto import webhook_signing as signing
from hub.domain.case_state import chain_from_state
from hub.domain.roles import Actor, actor_of
from hub.domain.visibility import may_read_chain
from hub.feeds.webhooks import payload
from hub.feeds.webhooks.backoff import retry_delay_s
from hub.feeds.webhooks.guard import (
    IPAddress,
    PinnedResolver,
    Resolver,
    Target,
    TargetRefused,
    resolve_target,
    system_resolver,
)
from hub.feeds.webhooks.sealing import SecretUnavailable, open_secret
from hub.metrics.instruments import webhook_delivered, webhook_failed
from hub.privacy.keyfile import MasterKeys
from hub.store.feed import FeedItem
from hub.store.participants import Participant
from hub.store.subscriptions import LEASE, Leased, Subscription, SubscriptionStore
from hub.supervisor import worker_identity
from hub.trust.signer import HubSigner

log = structlog.get_logger("hub.feeds.webhooks")

RESPONSE_READ_LIMIT = 4096  # read this much of an answer, to reuse the connection; never shown
USER_AGENT = "complaint-hub-webhooks/1"
# Clock differences between hub processes, and the time a cursor update itself takes.
LEASE_MARGIN = timedelta(seconds=2)


@dataclasses.dataclass
class Guard:
    """How targets are checked; the same for the API (at subscription) and the worker (at each
    run, since DNS answers change)."""

    allow_private: bool
    own: frozenset[IPAddress] = frozenset()
    own_names: frozenset[str] = frozenset()
    resolver: Resolver = system_resolver

    async def check(self, url: str) -> Target:
        return await resolve_target(
            url,
            allow_private=self.allow_private,
            resolver=self.resolver,
            own=self.own,
            own_names=self.own_names,
        )


@dataclasses.dataclass
class _Run:
    """One subscription's delivery run while this worker holds its lease."""

    subscription: Subscription
    owner: Actor
    cursor: int  # delivered or skipped up to here
    last_sent: int
    lease_until: datetime
    stored: int = -1  # the cursor as last stored

    def __post_init__(self) -> None:
        if self.stored < 0:
            self.stored = self.cursor


@dataclasses.dataclass(frozen=True)
class Attempt:
    ok: bool
    status: int | None
    error: str | None


class WebhookWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        store: SubscriptionStore,
        guard: Guard,
        *,
        signer: Callable[[], HubSigner],
        master_keys: Callable[[int], Awaitable[MasterKeys]],
        now: Callable[[], datetime],
        source: str = payload.DEFAULT_SOURCE,
        lease_batch: int = 32,
        read_batch: int = 100,
        timeout_s: float = 10.0,
    ) -> None:
        self._pool = pool
        self._store = store
        self.guard = guard
        self._signer = signer
        self._master_keys = master_keys  # version -> master keys that hold it
        # The scheduling clock (leases, backoff) is injected; the signature timestamp is always
        # the wall clock, since receivers compare it with theirs.
        self.now = now
        self.source = source
        self.lease_batch = lease_batch
        self.read_batch = read_batch
        self.timeout_s = timeout_s
        self.name = worker_identity()
        self._wake = asyncio.Event()
        # One keep-alive session per subscription, for as long as its host resolves the same.
        self._sessions: dict[str, tuple[Target, aiohttp.ClientSession]] = {}

    async def close(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for _, session in sessions.values():
            await session.close()

    async def _session(self, subscription_id: str, target: Target) -> aiohttp.ClientSession:
        cached = self._sessions.get(subscription_id)
        if cached is not None and cached[0] == target and not cached[1].closed:
            return cached[1]
        if cached is not None:
            await cached[1].close()
        connector = aiohttp.TCPConnector(resolver=PinnedResolver(target), use_dns_cache=False)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        self._sessions[subscription_id] = (target, session)
        return session

    def wake(self) -> None:
        """Look for work now rather than at the next poll (a new event, a replay)."""
        self._wake.set()

    async def run_forever(self, poll_interval_s: float, min_idle_pass_s: float = 0.05) -> None:
        """Pass after pass while there is work; when a pass finds none, wait for a wake-up (a
        commit) or the poll, but no sooner than `min_idle_pass_s` after it: under load every
        group commit wakes the worker, and a look for work is a database round trip."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                busy = await self.run_once()
            except Exception as err:
                log.warning("webhook_pass_failed", error=repr(err))
                busy = False
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_interval_s)
            await asyncio.sleep(max(0.0, started + min_idle_pass_s - loop.time()))

    async def run_once(self) -> bool:
        """One pass; True when it delivered something (there may be more at once)."""
        now = self.now()
        leased = await self._store.lease_due(self.name, now, self.lease_batch)
        if not leased:
            return False
        results = await asyncio.gather(*(self._run(item, now + LEASE) for item in leased))
        return any(results)

    async def _run(self, leased: Leased, lease_until: datetime) -> bool:
        subscription = leased.subscription
        try:
            return await self._deliver(subscription, leased.owner, lease_until)
        except Exception as err:
            log.warning("webhook_run_failed", subscription=subscription.id, error=repr(err))
            await self._store.release(subscription.id, self.name)
            return False

    async def _deliver(
        self, subscription: Subscription, owner: Participant, lease_until: datetime
    ) -> bool:
        try:
            target = await self.guard.check(subscription.url)
            keys: MasterKeys = await self._master_keys(subscription.key_version)
            secret = open_secret(
                keys, subscription.id, subscription.key_version, subscription.secret_sealed
            )
        except (TargetRefused, SecretUnavailable) as err:
            # A name that now resolves somewhere forbidden fails like an unreachable receiver.
            attempt = Attempt(False, None, str(err))
            await self._fail(
                subscription,
                subscription.delivered_position,
                subscription.last_sent_position,
                subscription.attempts + 1,
                attempt,
            )
            return False
        session = await self._session(subscription.id, target)
        run = _Run(
            subscription,
            actor_of(owner),
            subscription.delivered_position,
            subscription.last_sent_position,
            lease_until,
        )
        return await self._deliver_backlog(session, target, run, secret)

    async def _deliver_backlog(
        self, session: aiohttp.ClientSession, target: Target, run: _Run, secret: str
    ) -> bool:
        """Deliver page after page while the lease holds and there is work; the cursor is
        stored once per page (and whenever the lease needs renewing), so a crash redelivers at
        most a page, in order."""
        subscription = run.subscription
        delivered = 0
        while True:
            page, _ = await self._store.page(run.cursor, self.read_batch)
            if not page:
                break
            for item, state in page:
                if not _wanted(item, subscription, run.owner, state):
                    run.cursor = item.position  # skipped items still move the cursor
                    continue
                # Never start a POST that could outlast the lease: a worker that took over
                # could otherwise deliver alongside this one, out of order.
                if self.now() + timedelta(seconds=self.timeout_s) + LEASE_MARGIN > run.lease_until:
                    if not await self._advance(run):
                        return delivered > 0
                    if not _wanted(item, subscription, run.owner, state):
                        run.cursor = item.position
                        continue
                delivery = payload.build(
                    item,
                    subscription_id=subscription.id,
                    previous_position=run.last_sent,
                    format=subscription.format,
                    source=self.source,
                )
                attempt = await self._post(session, target, delivery, secret)
                if not attempt.ok:
                    # A success in this run reset the stored count: this failure is the first.
                    failures = (0 if delivered else subscription.attempts) + 1
                    await self._fail(subscription, run.cursor, run.last_sent, failures, attempt)
                    return delivered > 0
                run.cursor = run.last_sent = item.position
                delivered += 1
                webhook_delivered()
            if run.cursor > run.stored and not await self._advance(run):
                return delivered > 0
            # More may have committed meanwhile: keep the lease and look again (an empty page
            # ends the run) rather than releasing it and leasing anew.
        await self._store.release(subscription.id, self.name)
        return delivered > 0

    async def _advance(self, run: _Run) -> bool:
        """Store the cursor and renew the lease; refresh the owner's rights. False: stop."""
        now = self.now()
        owner = await self._store.advance(
            run.subscription.id,
            self.name,
            now,
            delivered_position=run.cursor,
            last_sent_position=run.last_sent,
        )
        if owner is None:
            # Another worker took over (this one was too slow) or the owner disabled or deleted
            # it: stop here; whoever holds it now resumes from the stored cursor.
            log.info("webhook_lease_lost", subscription=run.subscription.id, position=run.cursor)
            return False
        run.stored = run.cursor
        run.lease_until = now + LEASE
        if not owner.enabled:
            # The next lease pass pauses it; nothing more goes out on this owner's behalf.
            await self._store.release(run.subscription.id, self.name)
            return False
        run.owner = actor_of(owner)
        return True

    async def _post(
        self,
        session: aiohttp.ClientSession,
        target: Target,
        delivery: payload.Delivery,
        secret: str,
    ) -> Attempt:
        headers: dict[str, str] = dict(
            signing.headers(
                delivery.webhook_id,
                int(time.time()),
                delivery.body,
                secret=secret,
                hub_keys=self._signer().webhook_keys(),
            )
        )
        headers["Content-Type"] = delivery.content_type
        headers["User-Agent"] = USER_AGENT
        try:
            async with session.post(
                target.url,
                data=delivery.body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                await response.content.read(RESPONSE_READ_LIMIT)
                status = response.status
        except TimeoutError:
            return Attempt(False, None, "timeout")
        except (aiohttp.ClientError, OSError) as err:
            return Attempt(False, None, f"connection failed: {type(err).__name__}")
        if 200 <= status < 300:
            return Attempt(True, status, None)
        # A redirect is a failure like any other: following it would bypass the guard.
        return Attempt(False, status, f"HTTP {status}")

    async def _fail(
        self,
        subscription: Subscription,
        cursor: int,
        last_sent: int,
        failures: int,
        attempt: Attempt,
    ) -> None:
        status, error = attempt.status, attempt.error or "failed"
        delay_s = retry_delay_s(failures, random.random())
        next_attempt_at = self.now() + timedelta(seconds=delay_s) if delay_s is not None else None
        state = await self._store.fail(
            subscription.id,
            self.name,
            delivered_position=cursor,
            last_sent_position=last_sent,
            failures=failures,
            next_attempt_at=next_attempt_at,
            status=status,
            error=error[:200],
        )
        webhook_failed(status, attempt.error, state)
        log.info(
            "webhook_delivery_failed",
            subscription=subscription.id,
            position=cursor,
            failures=failures,
            status=status,
            error=error[:200],
            state=state,
        )


def _wanted(
    item: FeedItem, subscription: Subscription, owner: Actor, state: Mapping[str, Any] | None
) -> bool:
    if subscription.event_types is not None and item.type not in subscription.event_types:
        return False
    # The owner's rights now, on the case as it is now: a case that moved out of a bureau's
    # region stops flowing to it, one referred to a court starts flowing there.
    return state is not None and may_read_chain(owner, chain_from_state(state))
