"""When to try a failing receiver again. Pure: the caller passes the random draw."""

from __future__ import annotations

# Seconds to wait after the 1st, 2nd, ... consecutive failure: about a day in all (85,955 s),
# long enough to ride out a receiver's outage overnight. After the last, the subscription is
# disabled where it stands; its backlog is the dead-letter list and `replay` resumes it.
SCHEDULE_S: tuple[int, ...] = (5, 30, 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800)
JITTER = 0.1  # +-10 %, so receivers that failed together do not all retry together


def retry_delay_s(failures: int, draw: float) -> float | None:
    """The wait after `failures` consecutive failures (1-based), or None when retries have run
    out. `draw` is uniform in [0, 1)."""
    if failures < 1:
        raise ValueError("failures counts from 1")
    if failures > len(SCHEDULE_S):
        return None
    return SCHEDULE_S[failures - 1] * (1 + JITTER * (2 * draw - 1))
