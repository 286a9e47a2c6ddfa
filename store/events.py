"""What detection writes: events with their alerts, the article's detection state, the closed run.

Persistence only: detection (``detection/``) decides what happened and calls these in
its own transactions, so an event is never without its outbox rows and a run is closed
in the same transaction as its last events.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from changes import OPERATOR_EVENTS, EventKind, State
from changes.records import CaptureKind
from store.models import Alert, AlertStatus, Article, Capture, Event, Run, RunStatus, Site, Version

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from changes import ChangeSet, HealthStatus

logger = logging.getLogger(__name__)

CONFIRMING_EVENTS = (EventKind.NEW, EventKind.EDITED, EventKind.REVERTED)


def insert_event(
    s: Session,
    route: Callable[[str, str], Sequence[str]],
    site_id: int,
    site: str,
    kind: EventKind,
    *,
    article_id: int | None = None,
    run_id: int | None = None,
    capture_id: int | None = None,
    from_version: int | None = None,
    to_version: int | None = None,
    details: dict | None = None,
    change_set: ChangeSet | None = None,
    now: datetime,
) -> int:
    """Write an event (with its change set) and its outbox rows in the caller's transaction."""
    event = Event(
        site_id=site_id,
        article_id=article_id,
        run_id=run_id,
        capture_id=capture_id,
        kind=kind.value,
        from_version_id=from_version,
        to_version_id=to_version,
        details=details or {},
        change_set=change_set.to_json() if change_set is not None else None,
        created_at=now,
    )
    s.add(event)
    s.flush()
    for destination in dict.fromkeys(route(site, kind.value)):
        s.add(Alert(event_id=event.id, destination=destination, status=AlertStatus.PENDING, created_at=now))
    level = logging.WARNING if kind in OPERATOR_EVENTS else logging.INFO
    logger.log(level, "%s: %s event %d (article %s)", site, kind.value, event.id, article_id)
    return event.id


# -- runs -------------------------------------------------------------------------------


def run_site(s: Session, run_id: int) -> tuple[int, str]:
    """(site id, site name) of a run."""
    site_id, name = s.execute(select(Site.id, Site.name).join(Run).where(Run.id == run_id)).one()
    return site_id, name


def run_captures(s: Session, run_id: int) -> list[tuple[str, str, str | None, dict | None]]:
    """(kind, outcome, reason, meta) of every capture the run made."""
    return [
        tuple(r)
        for r in s.execute(
            select(Capture.kind, Capture.outcome, Capture.reason, Capture.meta).where(Capture.run_id == run_id)
        ).all()
    ]


def article_ids_of_run(s: Session, run_id: int) -> list[int]:
    """The articles the run captured, in id order."""
    return sorted(
        s.scalars(
            select(Capture.article_id).distinct().where(Capture.run_id == run_id, Capture.article_id.is_not(None))
        ).all()
    )


def group_pages(s: Session, run_id: int) -> list[tuple[str, str | None, dict | None]]:
    """(outcome, reason, meta) of the run's article captures."""
    return [
        tuple(r)
        for r in s.execute(
            select(Capture.outcome, Capture.reason, Capture.meta).where(
                Capture.run_id == run_id, Capture.kind == CaptureKind.ARTICLE
            )
        ).all()
    ]


def earlier_runs(s: Session, site_id: int, run_id: int, limit: int) -> list[tuple[str | None, dict | None]]:
    """(health, stats) of the site's finished runs before ``run_id``, newest first."""
    return [
        tuple(r)
        for r in s.execute(
            select(Run.health, Run.stats)
            .where(Run.site_id == site_id, Run.id < run_id, Run.status != RunStatus.RUNNING)
            .order_by(Run.id.desc())
            .limit(limit)
        ).all()
    ]


def deleted_in_run(s: Session, run_id: int) -> int:
    """How many deletion events the run has confirmed so far (in the caller's transaction)."""
    return s.scalar(
        select(func.count()).select_from(Event).where(Event.run_id == run_id, Event.kind == EventKind.DELETED.value)
    )


def close_run(
    s: Session, run: Run, *, aborted: bool, health: HealthStatus, stats: dict[str, Any], now: datetime
) -> None:
    """Mark the run finished (or aborted) with its health and stats; articles it leased but
    never recorded (killed, or over budget) are due again at once."""
    run.status = RunStatus.ABORTED if aborted else RunStatus.FINISHED
    run.finished_at = now
    s.execute(update(Article).where(Article.lease_run_id == run.id).values(lease_run_id=None, lease_until=None))
    run.health = health
    run.stats = stats


# -- articles ---------------------------------------------------------------------------


def lock_articles(s: Session, article_ids: Sequence[int]) -> list[Article]:
    """The articles in id order, locked for this transaction on PostgreSQL (in id order, so
    two finishing runs never deadlock; SQLite's writer lock holds them there)."""
    query = select(Article).where(Article.id.in_(list(article_ids))).order_by(Article.id)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(s.scalars(query).all())


def undetected_captures(s: Session, articles: Sequence[Article]) -> dict[int, list[tuple]]:
    """Article id -> its captures detection has not seen, in order, each with its run's
    status, health and stats: (id, fetched_at, outcome, version_id, reason, run_id,
    run status, run health, meta, run stats). One query for all the articles."""
    if not articles:
        return {}
    through = {a.id: a.detected_through for a in articles}
    found: dict[int, list[tuple]] = {a.id: [] for a in articles}
    for row in s.execute(
        select(
            Capture.article_id,
            Capture.id,
            Capture.fetched_at,
            Capture.outcome,
            Capture.version_id,
            Capture.reason,
            Capture.run_id,
            Run.status,
            Run.health,
            Capture.meta,
            Run.stats,
        )
        .join(Run, Run.id == Capture.run_id)
        .where(Capture.article_id.in_(list(through)), Capture.id > min(through.values()))
        .order_by(Capture.article_id, Capture.id)
    ).all():
        if row[1] > through[row[0]]:
            found[row[0]].append(tuple(row[1:]))
    return found


def confirmed_version_ids(s: Session, article_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    """Article id -> the versions an event has confirmed for it (new, edited to, reverted to)."""
    found: dict[int, set[int]] = {a: set() for a in article_ids}
    for article_id, version_id in s.execute(
        select(Event.article_id, Event.to_version_id).where(
            Event.article_id.in_(list(article_ids)), Event.kind.in_(CONFIRMING_EVENTS)
        )
    ).all():
        found[article_id].add(version_id)
    return {a: frozenset(v) for a, v in found.items()}


def last_meta_of_version(s: Session, article_id: int, version_id: int) -> dict | None:
    """The meta of the article's latest capture that read ``version_id``."""
    return s.scalars(
        select(Capture.meta)
        .where(Capture.article_id == article_id, Capture.version_id == version_id)
        .order_by(Capture.id.desc())
        .limit(1)
    ).first()


def version_content(s: Session, version_id: int) -> dict[str, Any]:
    return s.get(Version, version_id).content


def state_of(article: Article) -> State:
    return State(
        status=article.status,
        current=article.current_version_id,
        pending=article.pending_version_id,
        pending_count=article.pending_count,
        pending_since=article.pending_since,
        gone_count=article.gone_count,
        gone_since=article.gone_since,
    )


def store_state(article: Article, state: State) -> None:
    article.status = state.status
    article.current_version_id = state.current
    article.pending_version_id = state.pending
    article.pending_count = state.pending_count
    article.pending_since = state.pending_since
    article.gone_count = state.gone_count
    article.gone_since = state.gone_since
