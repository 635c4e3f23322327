"""Waiting in a test for the thing itself, never for the time it usually takes.

A sleep long enough on a quiet machine is too short on a busy one, and too long everywhere else:
`eventually` asks again and again, returns as soon as the answer is yes, and past its deadline
fails saying what it last saw.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(
    predicate: Callable[[], Awaitable[T]], *, timeout_s: float = ..., interval_s: float = ...
) -> T: ...


@overload
async def eventually(
    predicate: Callable[[], T], *, timeout_s: float = ..., interval_s: float = ...
) -> T: ...


async def eventually(
    predicate: Callable[[], Any], *, timeout_s: float = 10.0, interval_s: float = 0.02
) -> Any:
    """Call `predicate` (awaiting what it returns, if awaitable) until it returns something
    truthy, and return that. An AssertionError it raises counts as "not yet", so a predicate may
    assert with a message of its own. Past `timeout_s`, raise AssertionError naming the predicate
    and what it last returned or raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        failed: AssertionError | None = None
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
        except AssertionError as err:
            failed, last = err, f"raised {err!r}"
        else:
            if result:
                return result
            last = f"returned {result!r}"
        if loop.time() >= deadline:
            name = getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(
                f"{name} not met within {timeout_s:g} s: it last {last}"
            ) from failed
        await asyncio.sleep(interval_s)
