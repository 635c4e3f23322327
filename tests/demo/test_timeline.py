"""The demo's simulated time and traffic shape, as plain values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.demo.timeline import NIGHT_END, NIGHT_START, PEAK, SIM_END, Timeline, intensity


@pytest.mark.parametrize(("duration_s", "speed"), [(15, None), (60, None), (60, 600.0)])
def test_the_night_plays_at_the_speed_and_the_weeks_after_fill_the_duration(
    duration_s: float, speed: float | None
) -> None:
    timeline = Timeline(duration_s, speed)

    assert timeline.at(0) == NIGHT_START
    assert timeline.at(timeline.night_real_s) == NIGHT_END
    if timeline.night_real_s < duration_s:
        assert timeline.at(duration_s) == SIM_END
    moment = NIGHT_START + timedelta(hours=29)
    assert timeline.at(timeline.real_of(moment)) == moment


def test_a_speed_too_slow_for_the_night_ends_the_run_within_it() -> None:
    timeline = Timeline(10, speed=60.0)  # the six-hour night would take six minutes

    assert timeline.at(10) == NIGHT_START + timedelta(minutes=10)


def test_filings_peak_just_after_midnight_on_11_november() -> None:
    minutes = [NIGHT_START + timedelta(minutes=m) for m in range(0, 6 * 60, 5)]
    busiest = max(minutes, key=intensity)

    assert busiest == PEAK
    assert intensity(PEAK) == pytest.approx(1.0)
    assert intensity(NIGHT_START) < 0.2
    # the days after stay well below the night's peak
    assert max(intensity(NIGHT_END + timedelta(hours=h)) for h in range(24 * 16)) < 0.5
