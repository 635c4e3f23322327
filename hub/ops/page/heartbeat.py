"""Each hub process reports its supervised tasks to the database, so the page served by any
replica shows every replica.

A task's state: running; restarting (it failed and was restarted, fewer than FAILING_AFTER
times in a row); failing (at least that many). "Since" is when this process first saw it fail,
to the precision of the heartbeat interval.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hub.ops.page.recorder import safe_detail
from hub.store.ops import OpsStore
from hub.supervisor import Supervisor, TaskHealth

# A process silent this long is forgotten: it was killed or replaced (one stopped cleanly takes
# itself off the list as it stops).
FORGET_AFTER = timedelta(days=1)


def task_state(health: TaskHealth) -> str:
    if health.failing:
        return "failing"
    if health.consecutive_failures:
        return "restarting"
    return "running"


class Heartbeat:
    def __init__(
        self,
        identity: str,
        supervisor: Supervisor,
        store: OpsStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.identity = identity
        self._supervisor = supervisor
        self._store = store
        self._clock = clock
        self._started_at = clock()
        self._failing_since: dict[str, datetime] = {}

    def tasks(self) -> list[dict[str, Any]]:
        now = self._clock()
        shown = []
        for health in sorted(self._supervisor.health(), key=lambda h: h.name):
            if health.consecutive_failures:
                since = self._failing_since.setdefault(health.name, now)
            else:
                self._failing_since.pop(health.name, None)
                since = None
            shown.append(
                {
                    "name": health.name,
                    "state": task_state(health),
                    "consecutive_failures": health.consecutive_failures,
                    "restarts": health.restarts,
                    "since": since.isoformat() if since else None,
                    "last_error": safe_detail(health.last_error) if health.last_error else None,
                }
            )
        return shown

    async def beat(self) -> None:
        now = self._clock()
        await self._store.beat(self.identity, self._started_at, now, self.tasks())
        await self._store.forget_processes(now - FORGET_AFTER)

    async def stop(self) -> None:
        """Take this process off the list: it stopped, and is not silent for a reason to find."""
        await self._store.forget_process(self.identity)
