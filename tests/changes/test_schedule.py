"""next_check(): young articles often, old ones rarely, unsettled ones at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.schedule import Schedule, next_check

NOW = datetime(2025, 10, 7, 12, 0, tzinfo=UTC)
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)
DEFAULT = Schedule()  # 15 min .. 7 days, age x 0.25

CASES = [
    # (id, article age, settled, schedule, expected interval)
    ("just-found", 0 * M, True, DEFAULT, 15 * M),
    ("ten-minutes-old", 10 * M, True, DEFAULT, 15 * M),
    ("one-hour-old", 1 * H, True, DEFAULT, 15 * M),
    ("two-hours-old", 2 * H, True, DEFAULT, 30 * M),
    ("one-day-old", 1 * D, True, DEFAULT, 6 * H),
    ("ten-days-old", 10 * D, True, DEFAULT, 2.5 * D),
    ("four-weeks-old", 28 * D, True, DEFAULT, 7 * D),
    ("a-year-old", 365 * D, True, DEFAULT, 7 * D),
    ("unsettled-young", 1 * H, False, DEFAULT, 15 * M),
    ("unsettled-old", 365 * D, False, DEFAULT, 15 * M),
    ("custom-bounds", 1 * D, True, Schedule(min_interval=1 * H, max_interval=2 * H, factor=0.5), 2 * H),
    ("custom-min", 1 * H, True, Schedule(min_interval=1 * H, max_interval=2 * H, factor=0.5), 1 * H),
    ("custom-factor", 1 * D, True, Schedule(factor=1.0), 1 * D),
    ("tests-set-zero", 1 * D, False, Schedule(min_interval=timedelta(0)), timedelta(0)),
]


@pytest.mark.parametrize(("age", "settled", "schedule", "interval"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_next_check(age: timedelta, settled: bool, schedule: Schedule, interval: timedelta) -> None:
    assert next_check(NOW, NOW - age, settled=settled, schedule=schedule) == NOW + interval


@settings(max_examples=60, deadline=None)
@given(
    age=st.integers(0, 400 * 86400),
    older=st.integers(0, 86400),
    settled=st.booleans(),
    factor=st.sampled_from([0.1, 0.25, 1.0]),
)
def test_interval_within_bounds_and_growing_with_age(age: int, older: int, settled: bool, factor: float) -> None:
    schedule = Schedule(factor=factor)
    due = next_check(NOW, NOW - timedelta(seconds=age), settled=settled, schedule=schedule)
    later = next_check(NOW, NOW - timedelta(seconds=age + older), settled=settled, schedule=schedule)
    assert schedule.min_interval <= due - NOW <= schedule.max_interval
    assert due <= later
    if not settled:
        assert due - NOW == schedule.min_interval
