"""Pure change logic: content, fetch outcomes, comparison, detection, health, schedule.

Knows nothing of parsing or storage: it takes and returns plain values.
"""

from changes.compare import ChangeSet, Kind, compare
from changes.content import Content, clean_text
from changes.coverage import Coverage, CoveragePolicy, degradation, describe, drops, merge, tally
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
from changes.health import Health, HealthPolicy, HealthStatus, RunStats, is_mass_deletion, judge
from changes.outcome import NOT_FOUND_PAGE, Outcome, Verdict, classify_fetch, classify_parse
from changes.schedule import Schedule, next_check
from changes.suspect import suspect_values, without_suspect

__all__ = [
    "NOT_FOUND_PAGE",
    "OPERATOR_EVENTS",
    "WATCHDOG_EVENTS",
    "ArticleStatus",
    "ChangeSet",
    "Content",
    "Coverage",
    "CoveragePolicy",
    "Decision",
    "EventKind",
    "degradation",
    "describe",
    "drops",
    "merge",
    "tally",
    "Health",
    "HealthPolicy",
    "HealthStatus",
    "Kind",
    "Observation",
    "Outcome",
    "Policy",
    "RunStats",
    "Schedule",
    "State",
    "Verdict",
    "classify_fetch",
    "classify_parse",
    "clean_text",
    "compare",
    "is_mass_deletion",
    "judge",
    "next_check",
    "step",
    "suspect_values",
    "without_suspect",
]
