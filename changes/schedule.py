"""When to check an article again: often while it is young or unsettled, rarely later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from changes.settings import setting


@dataclass(frozen=True)
class Schedule:
    """The interval grows with the article's age: age × factor, within the bounds."""

    min_interval: timedelta = setting(
        "recheck_min",
        timedelta(minutes=15),
        "Shortest interval between checks of one article (new or unsettled ones).",
        low=0,
    )
    max_interval: timedelta = setting(
        "recheck_max", timedelta(days=7), "Longest interval between checks of one article (old ones).", low=0
    )
    factor: float = setting(
        "recheck_factor",
        0.25,
        "Recheck interval = article age × factor, within the bounds above.",
        low=0,
        high=100,
        low_ok=False,
    )


def next_check(now: datetime, first_seen: datetime, *, settled: bool, schedule: Schedule) -> datetime:
    """The next due time. An unsettled article (a pending edit, a gone candidate, a
    failed fetch) is rechecked at the shortest interval so confirmation comes soon."""
    if not settled:
        return now + schedule.min_interval
    interval = (now - first_seen) * schedule.factor
    return now + min(max(interval, schedule.min_interval), schedule.max_interval)
