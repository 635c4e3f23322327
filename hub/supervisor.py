"""Long-lived background work, supervised: nothing that raises is silently gone.

Every task of a hub process (group-commit writer, webhook worker, pull-sync pollers, sweeper, key
refreshes, nonce purge) runs under one `Supervisor`. A task that raises is logged and restarted
with exponential backoff; a periodic job that fails is logged and tried again next interval. A
task that keeps failing is reported by `failing()`, which readiness turns into a 503 naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import structlog
from aiohttp import web

log = structlog.get_logger("hub.supervisor")

# This many failures in a row and readiness names the task.
FAILING_AFTER = 3
# A task restarted this long ago without failing again counts as recovered.
STABLE_AFTER_S = 10.0
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 30.0

Describe = Callable[[BaseException], str]


@dataclasses.dataclass
class TaskHealth:
    """What the supervisor knows of one task; read by readiness and operators."""

    name: str
    consecutive_failures: int = 0
    restarts: int = 0
    last_error: str | None = None

    @property
    def failing(self) -> bool:
        return self.consecutive_failures >= FAILING_AFTER


class Supervisor:
    def __init__(
        self,
        *,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self._backoff_first_s = backoff_first_s
        self._backoff_max_s = backoff_max_s
        self._stable_after_s = stable_after_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._health: dict[str, TaskHealth] = {}

    def run(
        self, name: str, work: Callable[[], Awaitable[object]], *, describe: Describe = repr
    ) -> None:
        """Run `work` (a loop meant to run until cancelled) and restart it whenever it ends."""
        self._start(name, lambda: self._restarting(name, work, describe))

    def every(
        self,
        name: str,
        interval_s: float,
        work: Callable[[], Awaitable[object]],
        *,
        describe: Describe = repr,
    ) -> None:
        """Run `work` every `interval_s` seconds, sleeping first; a failure is retried next time.

        `describe` says what of an error may be logged (some carry secrets in their message).
        """
        self._start(name, lambda: self._periodic(name, interval_s, work, describe))

    @contextlib.asynccontextmanager
    async def running(
        self, name: str, work: Callable[[], Awaitable[object]], *, describe: Describe = repr
    ) -> AsyncIterator[None]:
        """`run` for the duration of a block: a cleanup context stops its own tasks before it
        closes what they use."""
        self.run(name, work, describe=describe)
        try:
            yield
        finally:
            await self.stop(name)

    @contextlib.asynccontextmanager
    async def repeating(
        self,
        name: str,
        interval_s: float,
        work: Callable[[], Awaitable[object]],
        *,
        describe: Describe = repr,
    ) -> AsyncIterator[None]:
        """`every` for the duration of a block."""
        self.every(name, interval_s, work, describe=describe)
        try:
            yield
        finally:
            await self.stop(name)

    def health(self) -> list[TaskHealth]:
        return [dataclasses.replace(h) for h in self._health.values()]

    def is_running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def failing(self) -> list[TaskHealth]:
        return [h for h in self.health() if h.failing]

    async def stop(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        self._health.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        for name in list(self._tasks):
            await self.stop(name)

    def _start(self, name: str, body: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if name in self._tasks:
            raise ValueError(f"a task named {name} is already supervised")
        self._health[name] = TaskHealth(name)
        self._tasks[name] = asyncio.create_task(body(), name=name)

    def _failed(self, name: str, err: BaseException, describe: Describe) -> TaskHealth:
        health = self._health[name]
        health.consecutive_failures += 1
        health.last_error = describe(err)
        log.error(
            "background_task_failed",
            task=name,
            error=health.last_error,
            error_type=type(err).__name__,
            consecutive_failures=health.consecutive_failures,
        )
        return health

    async def _restarting(
        self, name: str, work: Callable[[], Awaitable[object]], describe: Describe
    ) -> None:
        health = self._health[name]
        backoff_s = self._backoff_first_s
        while True:
            task = asyncio.ensure_future(work())
            # Counted recovered once it has run a while without failing again.
            stable = asyncio.get_running_loop().call_later(
                self._stable_after_s, self._recovered, health
            )
            try:
                await task
                # A loop that returns has stopped doing its job: that is a failure too.
                raise RuntimeError(f"{name} returned")
            except asyncio.CancelledError:
                task.cancel()
                raise
            except Exception as err:
                if health.consecutive_failures == 0:
                    backoff_s = self._backoff_first_s
                self._failed(name, err, describe)
            finally:
                stable.cancel()
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, self._backoff_max_s)
            health.restarts += 1
            log.info("background_task_restarted", task=name, restarts=health.restarts)

    @staticmethod
    def _recovered(health: TaskHealth) -> None:
        if health.consecutive_failures:
            log.info("background_task_recovered", task=health.name)
        health.consecutive_failures = 0

    async def _periodic(
        self,
        name: str,
        interval_s: float,
        work: Callable[[], Awaitable[object]],
        describe: Describe,
    ) -> None:
        health = self._health[name]
        while True:
            await asyncio.sleep(interval_s)
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                self._failed(name, err, describe)
            else:
                if health.consecutive_failures:
                    log.info("background_task_recovered", task=name)
                health.consecutive_failures = 0


SUPERVISOR: web.AppKey[Supervisor] = web.AppKey("supervisor")


async def supervisor_ctx(app: web.Application) -> AsyncIterator[None]:
    """The first context: every later one hands its tasks to it; it stops them all last."""
    supervisor = Supervisor()
    app[SUPERVISOR] = supervisor
    try:
        yield
    finally:
        await supervisor.close()


def worker_identity() -> str:
    """Names this process in lease rows, so an operator can tell which replica holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
