"""The retention period's dates, its setting, and how progress is shown: plain values only."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from hub.cli.progress import ProgressReporter
from hub.retention.policy import expires_at, retention_cutoff
from hub.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("now", "years", "cutoff"),
    [
        (datetime(2026, 11, 29, 8, tzinfo=UTC), 3, datetime(2023, 11, 29, 8, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 3, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 4, datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_cutoff_is_whole_calendar_years_back(now: datetime, years: int, cutoff: datetime) -> None:
    assert retention_cutoff(now, years) == cutoff


@pytest.mark.parametrize(
    ("changed", "years", "expires"),
    [
        (datetime(2023, 11, 29, tzinfo=UTC), 3, datetime(2026, 11, 29, tzinfo=UTC)),
        # A leap day never expires early: 1 March, not 28 February.
        (datetime(2024, 2, 29, tzinfo=UTC), 3, datetime(2027, 3, 1, tzinfo=UTC)),
    ],
)
def test_expiry_is_never_before_the_period_ends(
    changed: datetime, years: int, expires: datetime
) -> None:
    assert expires_at(changed, years) == expires
    assert retention_cutoff(expires, years) >= changed


@pytest.mark.parametrize(("raw", "years"), [(None, 3), ("3", 3), ("10", 10)])
def test_retention_years_setting(raw: str | None, years: int) -> None:
    environ = {} if raw is None else {"COMPLAINT_HUB_RETENTION_YEARS": raw}
    assert Settings.from_environ(environ).retention_years == years


@pytest.mark.parametrize("raw", ["2", "0", "-3", "three", "31", "3.5"])
def test_a_retention_period_below_the_legal_minimum_or_malformed_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_RETENTION_YEARS"):
        Settings.from_environ({"COMPLAINT_HUB_RETENTION_YEARS": raw})


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place() -> None:
    stream = io.StringIO()
    reporter = ProgressReporter(stream, "erasing", tty=True)
    reporter(0, 4)
    reporter(2, 4)
    reporter(4, 4)
    assert stream.getvalue() == (
        "\rerasing [------------------------------] 0/4   0%"
        "\rerasing [###############---------------] 2/4  50%"
        "\rerasing [##############################] 4/4 100%\n"
    )


def test_progress_in_a_log_is_plain_lines() -> None:
    stream = io.StringIO()
    reporter = ProgressReporter(stream, "erasing", tty=False)
    reporter(0, 4)
    reporter(2, 4)  # within the interval: not repeated
    reporter(4, 4)  # the end is always shown
    reporter.close()
    assert stream.getvalue() == "erasing: 0/4\nerasing: 4/4\n"
