"""Background work repeated on an interval for as long as the app runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

log = structlog.get_logger("hub.periodic")


@contextlib.asynccontextmanager
async def every(
    interval_s: float,
    work: Callable[[], Awaitable[object]],
    *,
    failure_event: str,
    describe: Callable[[Exception], str] = repr,
    name: str | None = None,
) -> AsyncIterator[None]:
    """Run `work` every `interval_s` seconds (sleeping first) until the block exits.

    A failure is logged as `failure_event` and the work tries again next time; `describe` says
    what of the error may be logged (some errors carry secrets in their message).
    """

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await work()
            except Exception as err:
                log.warning(failure_event, error=describe(err))

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
