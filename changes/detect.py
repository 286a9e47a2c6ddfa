"""Turn an article's captures into events: the confirmation rules of the brief.

A pure state machine: :func:`step` takes the article's state, one observation and
the site's policy, and returns the new state with the events it confirms. Feeding the
same captures again gives the same events, so detection can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from changes.outcome import Outcome
from changes.settings import setting
from changes.times import iso


class EventKind(StrEnum):
    NEW = "new"
    EDITED = "edited"
    REVERTED = "reverted"
    DELETED = "deleted"
    RESTORED = "restored"
    # About a site, for watchdogs: many deletions confirmed in one run (besides their own events).
    MASS_DELETION = "mass_deletion"
    # Operator events: about a site or its parser, not about an article.
    PARSER_BROKEN = "parser_broken"
    SITE_UNREACHABLE = "site_unreachable"
    SITE_RECOVERED = "site_recovered"


WATCHDOG_EVENTS = frozenset(
    {
        EventKind.NEW,
        EventKind.EDITED,
        EventKind.REVERTED,
        EventKind.DELETED,
        EventKind.RESTORED,
        EventKind.MASS_DELETION,
    }
)
OPERATOR_EVENTS = frozenset(EventKind) - WATCHDOG_EVENTS


class ArticleStatus(StrEnum):
    UNSEEN = "unseen"
    """No content read yet."""
    LIVE = "live"
    DELETED = "deleted"
    """Confirmed deleted."""


@dataclass(frozen=True)
class Policy:
    """Per-site confirmation thresholds (tests set them to 1 and 0 s)."""

    edit_confirmations: int = setting(
        "edit_confirmations", 2, "Consecutive captures showing new content before it is an edit.", low=1, high=100
    )
    delete_confirmations: int = setting(
        "delete_confirmations",
        3,
        "Consecutive gone captures (404, 410, redirect, soft-404) before a deletion.",
        low=1,
        high=100,
    )
    delete_min_age: timedelta = setting(
        "delete_min_age", timedelta(hours=2), "The gone captures must span at least this long.", low=0
    )


@dataclass(frozen=True)
class State:
    """An article's detection state; stored on the article row between runs."""

    status: ArticleStatus = ArticleStatus.UNSEEN
    current: int | None = None
    """The confirmed version."""
    pending: int | None = None
    pending_count: int = 0
    pending_since: datetime | None = None
    gone_count: int = 0
    gone_since: datetime | None = None


@dataclass(frozen=True)
class Observation:
    capture_id: int
    at: datetime
    outcome: Outcome
    version: int | None = None
    """The version the capture showed (``ok`` only)."""
    reason: str = ""
    held: str = ""
    """Why this read of the page is not to be believed (a parse degradation, a group whose
    field coverage dropped): it moves nothing towards an edit or a deletion."""


@dataclass(frozen=True)
class Decision:
    """An event to record, before it has an id."""

    kind: EventKind
    capture_id: int
    from_version: int | None = None
    to_version: int | None = None
    details: dict | None = None


def step(
    state: State, obs: Observation, policy: Policy, *, confirmed: frozenset[int], trusted: bool = True
) -> tuple[State, list[Decision]]:
    """Apply one observation.

    ``confirmed`` holds every version that was ever the article's confirmed content
    (a return to one is a revert). ``trusted`` is False when the run that made the
    observation was judged broken: then only an unchanged page or a first read counts,
    and nothing moves towards an edit or a deletion.
    """
    trusted = trusted and not obs.held
    if obs.outcome is Outcome.OK and obs.version is not None:
        return _on_content(state, obs, policy, confirmed, trusted)
    if obs.outcome is Outcome.GONE and trusted:
        return _on_gone(state, obs, policy)
    return state, []


def _on_content(
    state: State, obs: Observation, policy: Policy, confirmed: frozenset[int], trusted: bool
) -> tuple[State, list[Decision]]:
    version = obs.version
    if state.status == ArticleStatus.UNSEEN or state.current is None:
        new = State(status=ArticleStatus.LIVE, current=version)
        return new, [Decision(EventKind.NEW, obs.capture_id, to_version=version)]
    events: list[Decision] = []
    if state.status == ArticleStatus.DELETED:
        events.append(
            Decision(
                EventKind.RESTORED,
                obs.capture_id,
                state.current,
                version,
                {"same_content": version == state.current, "gone_since": iso(state.gone_since)},
            )
        )
    state = replace(state, status=ArticleStatus.LIVE, gone_count=0, gone_since=None)
    if version == state.current:
        return replace(state, pending=None, pending_count=0, pending_since=None), events
    if not trusted:
        return state, events
    if version == state.pending:
        state = replace(state, pending_count=state.pending_count + 1)
    else:
        state = replace(state, pending=version, pending_count=1, pending_since=obs.at)
    if state.pending_count >= policy.edit_confirmations:
        kind = EventKind.REVERTED if version in confirmed else EventKind.EDITED
        events.append(
            Decision(
                kind,
                obs.capture_id,
                state.current,
                version,
                {"first_seen": iso(state.pending_since), "confirmations": state.pending_count},
            )
        )
        state = replace(state, current=version, pending=None, pending_count=0, pending_since=None)
    return state, events


def _on_gone(state: State, obs: Observation, policy: Policy) -> tuple[State, list[Decision]]:
    if state.status != ArticleStatus.LIVE:
        return state, []  # never read, or already deleted: nothing more to say
    since = state.gone_since or obs.at
    state = replace(state, gone_count=state.gone_count + 1, gone_since=since)
    if state.gone_count >= policy.delete_confirmations and obs.at - since >= policy.delete_min_age:
        details = {"reason": obs.reason, "confirmations": state.gone_count, "gone_since": iso(since)}
        return replace(state, status=ArticleStatus.DELETED), [
            Decision(EventKind.DELETED, obs.capture_id, state.current, None, details)
        ]
    return state, []
