"""Finishing a run: judge its health and coverage, detect changes in its captures, close it.

Change detection runs when a run finishes (or when a later run finds it dead), so it
can judge the run's health first and never confirms an edit or a deletion from a run
where the site was broken. Idempotent: a run already finished is only reported; one
killed half-way through detection is picked up where it stopped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from changes import (
    NOT_FOUND_PAGE,
    CoveragePolicy,
    EventKind,
    Health,
    HealthPolicy,
    HealthStatus,
    Outcome,
    Policy,
    RunStats,
    describe,
    is_mass_deletion,
    judge,
)
from changes.records import CaptureKind
from changes.times import utcnow
from detection.articles import detect_articles
from detection.coverage import judge_groups
from store import events as rows
from store.models import Run, RunStatus, Site

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from store.db import Store


@dataclass
class RunResult:
    run_id: int
    site: str
    health: Health
    stats: RunStats
    events: list[int] = field(default_factory=list)


def finish_run(
    store: Store,
    run_id: int,
    *,
    policy: Policy,
    health_policy: HealthPolicy,
    route: Callable[[str, str], Sequence[str]] = lambda _site, _kind: (),
    now: datetime | None = None,
    aborted: bool = False,
) -> RunResult:
    """Judge the run's health, detect changes in its captures, close it (see the module)."""
    now = now or utcnow()
    with store.reader() as s:
        site_id, site = rows.run_site(s, run_id)
        stats = run_stats(rows.run_captures(s, run_id))
    health = judge(stats, health_policy)
    result = RunResult(run_id, site, health, stats)
    coverage_policy = CoveragePolicy(drop=health_policy.broken_share, min_pages=health_policy.min_pages)
    with store.reader() as s:
        article_ids = rows.article_ids_of_run(s, run_id)
        groups = judge_groups(s, site_id, run_id, coverage_policy)
    result.events += detect_articles(
        store, route, article_ids, site, policy, run_id, health, now, held=set(groups.held), coverage=coverage_policy
    )
    with store.session() as s:
        run = s.get(Run, run_id)
        if run.status == RunStatus.RUNNING:
            if stats.pages + stats.listings:
                result.events += _judge_site(s, route, s.get(Site, site_id), health, run_id, stats, now)
            if groups.newly_held and health.trusted:  # a broken run has said so already, once
                result.events.append(
                    rows.insert_event(
                        s,
                        route,
                        site_id,
                        site,
                        EventKind.PARSER_BROKEN,
                        run_id=run_id,
                        now=now,
                        details={"reason": describe(groups.newly_held, groups.coverage), "groups": groups.newly_held},
                    )
                )
            result.events += _mass_deletion(s, route, site_id, site, run_id, stats, health_policy, now)
            rows.close_run(
                s,
                run,
                aborted=aborted,
                health=health.status,
                now=now,
                stats={
                    **asdict(stats),
                    "reason": health.reason,
                    "coverage": groups.coverage,
                    "held_groups": groups.held,
                },
            )
    return result


def run_stats(captures: Sequence[tuple[str, str, str | None, dict | None]]) -> RunStats:
    """The run's figures from its captures' (kind, outcome, reason, meta)."""
    counts: dict[str, int] = dict.fromkeys(RunStats.__dataclass_fields__, 0)
    for kind, outcome, reason, meta in captures:
        if kind != CaptureKind.ARTICLE:
            counts["listings"] += 1
            counts["listings_ok"] += outcome == Outcome.OK
            continue
        counts["pages"] += 1
        counts[outcome] += 1
        counts["parse_failed"] += (reason or "").startswith("parse failed")
        counts["gone_not_found"] += outcome == Outcome.GONE and NOT_FOUND_PAGE in (reason or "")
        counts["missing_fields"] += bool(outcome == Outcome.OK and (meta or {}).get("missing"))
    return RunStats(**counts)


def _judge_site(
    s: Session,
    route: Callable[[str, str], Sequence[str]],
    site: Site,
    health: Health,
    run_id: int,
    stats: RunStats,
    now: datetime,
) -> list[int]:
    """One operator event when a site turns broken, one when it recovers."""
    if health.status in (site.health, HealthStatus.INCONCLUSIVE):
        return []
    kind = {
        HealthStatus.OK: EventKind.SITE_RECOVERED,
        HealthStatus.PARSER_BROKEN: EventKind.PARSER_BROKEN,
        HealthStatus.UNREACHABLE: EventKind.SITE_UNREACHABLE,
    }[health.status]
    site.health, site.health_since = health.status, now
    details = {"reason": health.reason, "stats": asdict(stats)}
    return [rows.insert_event(s, route, site.id, site.name, kind, run_id=run_id, details=details, now=now)]


def _mass_deletion(
    s: Session,
    route: Callable[[str, str], Sequence[str]],
    site_id: int,
    site: str,
    run_id: int,
    stats: RunStats,
    health_policy: HealthPolicy,
    now: datetime,
) -> list[int]:
    """One summary event when a run confirmed many deletions (each has its own event too).

    Counted from the stored events, in the transaction that closes the run, so a
    run finished twice (killed half-way) still gets exactly one.
    """
    deleted = rows.deleted_in_run(s, run_id)
    if not is_mass_deletion(deleted, stats, health_policy):
        return []
    details = {"reason": f"{deleted} articles deleted in one run", "deleted": deleted, "stats": asdict(stats)}
    return [
        rows.insert_event(s, route, site_id, site, EventKind.MASS_DELETION, run_id=run_id, details=details, now=now)
    ]
