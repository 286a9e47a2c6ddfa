"""Pure change logic: content, fetch outcomes, comparison, detection, health, schedule.

Knows nothing of parsing or storage: it takes and returns plain values.
"""

from changes.compare import ChangeSet, Kind, compare
from changes.content import Content, clean_text
from changes.detect import (
    OPERATOR_EVENTS,
    WATCHDOG_EVENTS,
    ArticleStatus,
    Decision,
    EventKind,
    Observation,
    Policy,
    State,
    step,
)
from changes.health import Health, HealthPolicy, HealthStatus, RunStats, judge
from changes.outcome import Outcome, Verdict, classify_fetch, classify_parse
from changes.schedule import Schedule, next_check

__all__ = [
    "OPERATOR_EVENTS", "WATCHDOG_EVENTS", "ArticleStatus", "ChangeSet", "Content", "Decision", "EventKind",
    "Health", "HealthPolicy", "HealthStatus", "Kind", "Observation", "Outcome", "Policy", "RunStats",
    "Schedule", "State", "Verdict", "classify_fetch", "classify_parse", "clean_text",
    "compare", "judge", "next_check", "step",
]
