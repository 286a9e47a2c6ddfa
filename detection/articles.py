"""Feeding one article's new captures to the state machine (``changes.detect.step``).

A capture counts in the health of the run that made it: a broken run never confirms
an edit or a deletion, and a group whose field coverage dropped is held. Each change
event is written with its change set, computed here once (``changes.compare``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from changes import CoveragePolicy, HealthStatus, Observation, Outcome, step
from detection.coverage import degraded_read, held_groups
from store import changesets
from store import events as rows
from store.models import RunStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from changes import Decision, Health, Policy
    from store.db import Store
    from store.models import Article


BATCH = 200
"""Articles detected in one transaction: few round trips per article, short lock holds."""


def detect_articles(
    store: Store,
    route: Callable[[str, str], Sequence[str]],
    article_ids: Sequence[int],
    site: str,
    policy: Policy,
    run_id: int,
    health: Health,
    now: datetime,
    *,
    held: set[str] = frozenset(),
    coverage: CoveragePolicy | None = None,
) -> list[int]:
    """Feed each article's undetected captures to the state machine, ``BATCH`` articles per
    transaction (killed half-way, a batch is rolled back whole and done again)."""
    emitted: list[int] = []
    ids = sorted(article_ids)
    for start in range(0, len(ids), BATCH):
        with store.session() as s:
            chunk = rows.lock_articles(s, ids[start : start + BATCH])
            captures = rows.undetected_captures(s, chunk)
            confirmed = rows.confirmed_version_ids(s, [a.id for a in chunk])
            for article in chunk:
                emitted += _detect(
                    s,
                    route,
                    article,
                    captures[article.id],
                    confirmed[article.id],
                    site,
                    policy,
                    run_id,
                    health,
                    now,
                    held=held,
                    coverage=coverage or CoveragePolicy(),
                )
    return emitted


def _detect(
    s: Session,
    route: Callable[[str, str], Sequence[str]],
    article: Article,
    captures: list[tuple],
    confirmed: frozenset[int],
    site: str,
    policy: Policy,
    run_id: int,
    health: Health,
    now: datetime,
    *,
    held: set[str],
    coverage: CoveragePolicy,
) -> list[int]:
    """One article's captures through ``step``, in order.

    Stops at the first capture of a run still running: that run's health is not known
    yet, and it detects from there when it finishes.
    """
    emitted: list[int] = []
    state = rows.state_of(article)
    for cap_id, at, outcome, version, reason, cap_run, run_status, run_health, meta, run_stats in captures:
        if cap_run == run_id:
            trusted, held_here = health.trusted, held
        elif run_status == RunStatus.RUNNING:
            break
        else:
            trusted, held_here = run_health == HealthStatus.OK, held_groups(run_stats)
        why = ""
        if (meta or {}).get("group") in held_here:
            why = f"group {meta['group']!r} is held: its field coverage dropped"
        elif version is not None and state.current is not None and version != state.current:
            why = degraded_read(s, article.id, state.current, version, meta, coverage)
        obs = Observation(cap_id, at, Outcome(outcome), version, reason or "", held=why)
        state, decisions = step(state, obs, policy, confirmed=confirmed, trusted=trusted)
        for decision in decisions:
            emitted.append(_emit_decision(s, route, article, site, decision, cap_run, now))
            if decision.kind in rows.CONFIRMING_EVENTS:
                confirmed |= {decision.to_version}
        article.detected_through = cap_id
    rows.store_state(article, state)
    return emitted


def _emit_decision(
    s: Session,
    route: Callable[[str, str], Sequence[str]],
    article: Article,
    site: str,
    d: Decision,
    run_id: int,
    now: datetime,
) -> int:
    details = dict(d.details or {})
    change_set = None
    if d.kind in changesets.CHANGE_EVENTS and d.from_version and d.to_version:
        change_set = changesets.for_versions(s, d.from_version, d.to_version)
        # The summary the changes list filters on (``store.browse``); the whole set is the column.
        details.update(changes=sorted(change_set.kinds), added=len(change_set.added), removed=len(change_set.removed))
    return rows.insert_event(
        s,
        route,
        article.site_id,
        site,
        d.kind,
        article_id=article.id,
        run_id=run_id,
        capture_id=d.capture_id,
        from_version=d.from_version,
        to_version=d.to_version,
        details=details,
        change_set=change_set,
        now=now,
    )
