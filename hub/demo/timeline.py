"""Simulated time: the Double-11 night at `--speed`, then the weeks after, within `--duration`.

The night (21:00 on 10 November to 03:00 on 11 November, Asia/Shanghai) plays at `speed`
simulated seconds per real second; whatever real time is left then covers the following weeks,
so platforms that answer late run past their clocks and the hub records the breaches. The hub
reads this clock (app[CLOCK]), so `accepted_at`, deadlines and the sweeper all live in it;
request signatures and webhook timestamps stay on the wall clock, as they must.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT_START = datetime(2026, 11, 10, 21, 0, tzinfo=SHANGHAI)
PEAK = datetime(2026, 11, 11, 0, 10, tzinfo=SHANGHAI)  # final payments of the presales open
NIGHT_END = datetime(2026, 11, 11, 3, 0, tzinfo=SHANGHAI)
# Far enough for a routed complaint's 10-working-day ODR clock (from 11 November) to run out.
SIM_END = datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)
NIGHT_SHARE = 0.3  # of the duration, when no speed is given


def default_speed(duration_s: float) -> float:
    return (NIGHT_END - NIGHT_START).total_seconds() / (NIGHT_SHARE * duration_s)


class Timeline:
    """Maps real seconds since `start()` to simulated time; callable as the hub's clock."""

    def __init__(self, duration_s: float, speed: float | None = None) -> None:
        if duration_s <= 0:
            raise ValueError("the duration must be positive")
        self.duration_s = duration_s
        self.speed = speed if speed is not None else default_speed(duration_s)
        if self.speed <= 0:
            raise ValueError("the speed must be positive")
        self.night_real_s = (NIGHT_END - NIGHT_START).total_seconds() / self.speed
        rest_s = duration_s - self.night_real_s
        weeks_s = (SIM_END - NIGHT_END).total_seconds()
        # Never slower than the night: the weeks after are the compressed part.
        self.after_speed = max(self.speed, weeks_s / rest_s) if rest_s > 0 else self.speed
        self._started: float | None = None
        self._frozen_s: float | None = None

    def start(self) -> None:
        self._started = time.monotonic()

    def freeze(self) -> None:
        """Stop simulated time where it is: the sweeper then records no further breaches, so
        the feed comes to rest and the subscriber can be checked against it."""
        self._frozen_s = self.elapsed_s()

    def elapsed_s(self) -> float:
        if self._frozen_s is not None:
            return self._frozen_s
        return 0.0 if self._started is None else time.monotonic() - self._started

    def at(self, elapsed_s: float) -> datetime:
        if elapsed_s <= self.night_real_s:
            moment = NIGHT_START + timedelta(seconds=elapsed_s * self.speed)
        else:
            after_s = (elapsed_s - self.night_real_s) * self.after_speed
            moment = min(NIGHT_END + timedelta(seconds=after_s), SIM_END)
        return moment.astimezone(UTC)

    def real_of(self, moment: datetime) -> float:
        """The real elapsed seconds at which simulated `moment` comes."""
        if moment <= NIGHT_END:
            return (moment - NIGHT_START).total_seconds() / self.speed
        return self.night_real_s + (moment - NIGHT_END).total_seconds() / self.after_speed

    def __call__(self) -> datetime:
        return self.at(self.elapsed_s())

    def over(self) -> bool:
        return self.elapsed_s() >= self.duration_s

    async def sleep_until(self, moment: datetime, stop: asyncio.Event) -> bool:
        """Wait for simulated `moment`; False when `stop` is set first."""
        delay_s = self.real_of(moment) - self.elapsed_s()
        if delay_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay_s)
        return not stop.is_set()


def intensity(moment: datetime) -> float:
    """Relative filing intensity at simulated `moment`, 1.0 at the peak just after midnight.

    The night ramps up towards midnight (presale final payments, price promises checked) and
    falls off fast; the days after follow a daily rhythm, with a second, lower wave when parcels
    arrive (late, short or wrong deliveries, refused seven-day returns).
    """
    local = moment.astimezone(SHANGHAI)
    hours_from_peak = (local - PEAK).total_seconds() / 3600
    if local < NIGHT_END:
        width = 1.3 if hours_from_peak < 0 else 0.9
        return 0.05 + 0.95 * math.exp(-((hours_from_peak / width) ** 2))
    hour = local.hour + local.minute / 60
    daily = 0.15 + 0.85 * max(
        math.exp(-(((hour - 10.5) / 2.5) ** 2)), 0.9 * math.exp(-(((hour - 20.5) / 2.0) ** 2))
    )
    days = hours_from_peak / 24
    deliveries = math.exp(-(((days - 3.5) / 2.0) ** 2))
    return daily * (0.12 + 0.3 * deliveries)
