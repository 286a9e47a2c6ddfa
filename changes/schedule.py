"""When to check an article again: often while it is young or unsettled, rarely later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Schedule:
    min_interval: timedelta = timedelta(minutes=15)
    max_interval: timedelta = timedelta(days=7)
    factor: float = 0.25
    """The interval grows with the article's age: age × factor, within the bounds."""


def next_check(now: datetime, first_seen: datetime, *, settled: bool, schedule: Schedule) -> datetime:
    """The next due time. An unsettled article (a pending edit, a gone candidate, a
    failed fetch) is rechecked at the shortest interval so confirmation comes soon."""
    if not settled:
        return now + schedule.min_interval
    interval = (now - first_seen) * schedule.factor
    return now + min(max(interval, schedule.min_interval), schedule.max_interval)
