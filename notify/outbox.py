"""The alert outbox: claim, mark and list alerts, and load what a message says (all its SQL).

Delivery guarantee, as built
----------------------------
Every routed alert is written in the same transaction as its event, so an event is
never without its alerts. A notifier then, one alert at a time:

1. **claims** it: ``pending`` (or ``sending`` whose claim is older than the lease,
   i.e. a notifier died holding it) → ``sending``, ``claimed_at = now``, attempts + 1,
   committed. On PostgreSQL the claim reads with ``FOR UPDATE SKIP LOCKED``; on SQLite
   the store's writer transactions are ``BEGIN IMMEDIATE``. Either way two notifiers
   never hold the same alert at once, so they never both send it.
2. **sends** it, with an idempotency key (:func:`idempotency_key`, the same on every
   attempt) in the message: an ``X-Palimpsest-Key`` email or HTTP header where the
   service takes headers, a ``palimpsest_key`` field in JSON/XML/form payloads, and a
   footer line in every body.
3. **marks** it ``sent`` in its own transaction right after the send returns — or, on
   failure, back to ``pending`` with the error (secrets masked), and ``failed`` for
   good once its attempts reach the give-up limit.

What that gives, honestly:

- **Nothing lost.** Killed after a claim and before the service accepted the
  message: the alert stays ``sending`` and is claimed again once the lease has
  passed. A service that is down: the alert goes back to ``pending`` and waits.
- **Sent twice only in one window**, at-least-once rather than exactly-once: the
  service accepted the message (or accepted it but its answer never came back) and
  the process died before step 3 committed. The alert is then sent again after the
  lease, carrying the same key, so the receiver (or a mail filter on the header)
  can drop the repeat. No protocol over a channel without transactions (SMTP, a
  webhook, a chat service) can close that window; this keeps it to one alert and
  one commit wide. The lease also assumes no single send outlives it (10 minutes
  against apprise's timeouts of seconds): a notifier frozen for longer could see its
  alert taken over and sent again, under the same key.
- **Giving up is the one way an alert stops being retried**: after the give-up
  limit it is ``failed``, listed by ``palimpsest alerts --status failed`` and put
  back by ``palimpsest notify --retry-failed``. Only the oldest waiting alert of a
  destination that fails is tried per run, so an outage spends one attempt per run,
  not one per alert.

Alerts whose destination is not in the config are never claimed: they stay
``pending`` and are reported until the destination comes back (or is renamed back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select, update

from changes import Content, EventKind
from notify.messages import EventView
from notify.redact import redact
from store import changesets
from store.models import Alert, AlertStatus, Article, Capture, Event, Site, Version

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from datetime import datetime, timedelta

    from sqlalchemy.orm import Session

    from store.db import Store


MAX_ERROR_CHARS = 1000
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def idempotency_key(event_id: int, destination: str) -> str:
    """The same for every attempt at one (event, destination): how receivers spot a repeat."""
    return f"palimpsest-{event_id}-{_KEY_UNSAFE.sub('_', destination)}"


@dataclass(frozen=True)
class AlertJob:
    """One claimed alert: the notifier holds it until it marks it."""

    alert_id: int
    event_id: int
    destination: str
    attempts: int
    """Including this one."""
    claimed_at: datetime

    @property
    def key(self) -> str:
        return idempotency_key(self.event_id, self.destination)


@dataclass(frozen=True)
class AlertRow:
    id: int
    event_id: int
    site: str
    kind: EventKind
    destination: str
    status: AlertStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


# -- delivery protocol ------------------------------------------------------------------


def claim(
    store: Store,
    destination_names: Iterable[str],
    *,
    now: datetime,
    lease: timedelta,
    limit: int | None = None,
    exclude: Collection[int] = (),
) -> list[AlertJob]:
    """Move deliverable alerts of these destinations to ``sending`` and return them, oldest first.

    ``exclude``: alert ids not to take again (those this run already tried).
    """
    names = list(destination_names)
    if not names:
        return []
    deliverable = or_(
        Alert.status == AlertStatus.PENDING,
        and_(Alert.status == AlertStatus.SENDING, or_(Alert.claimed_at.is_(None), Alert.claimed_at < now - lease)),
    )
    query = select(Alert.id).where(Alert.destination.in_(names), deliverable).order_by(Alert.id)
    if exclude:
        query = query.where(Alert.id.not_in(list(exclude)))
    if limit is not None:
        query = query.limit(limit)
    if store.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with store.session() as s:
        ids = list(s.scalars(query).all())
        if not ids:
            return []
        s.execute(
            update(Alert)
            .where(Alert.id.in_(ids))
            .values(status=AlertStatus.SENDING, claimed_at=now, attempts=Alert.attempts + 1)
        )
        rows = s.execute(
            select(Alert.id, Alert.event_id, Alert.destination, Alert.attempts)
            .where(Alert.id.in_(ids))
            .order_by(Alert.id)
        ).all()
    return [AlertJob(alert_id, event_id, dest, attempts, now) for alert_id, event_id, dest, attempts in rows]


def mark_sent(store: Store, alert_id: int, *, now: datetime) -> None:
    """The receiver accepted it. Unconditional: whoever else held it, it *was* sent."""
    with store.session() as s:
        s.execute(update(Alert).where(Alert.id == alert_id).values(status=AlertStatus.SENT, sent_at=now))


def mark_failed(
    store: Store,
    alert_id: int,
    error: str,
    *,
    give_up_after: int,
    secrets: Iterable[str] = (),
    claimed_at: datetime | None = None,
) -> str | None:
    """Back to ``pending`` for the next run, or ``failed`` after ``give_up_after`` attempts.

    Only an alert still ``sending`` (under this claim, when ``claimed_at`` is given)
    changes: one another notifier has meanwhile sent must not be queued again.
    Returns the new status, or None when the alert was not ours any more.
    """
    text = redact(error, secrets)[:MAX_ERROR_CHARS]
    with store.session() as s:
        query = select(Alert).where(Alert.id == alert_id, Alert.status == AlertStatus.SENDING)
        if claimed_at is not None:
            query = query.where(Alert.claimed_at == claimed_at)
        if store.dialect == "postgresql":
            query = query.with_for_update()
        alert = s.scalars(query).one_or_none()
        if alert is None:
            return None
        alert.status = AlertStatus.FAILED if alert.attempts >= give_up_after else AlertStatus.PENDING
        alert.last_error = text
        alert.claimed_at = None
        return alert.status


def requeue_failed(store: Store, destination_names: Iterable[str] | None = None) -> int:
    """Give alerts that were given up on another chance (after a long outage). Returns how many."""
    query = update(Alert).where(Alert.status == AlertStatus.FAILED)
    if destination_names is not None:
        query = query.where(Alert.destination.in_(list(destination_names)))
    with store.session() as s:
        return s.execute(query.values(status=AlertStatus.PENDING, attempts=0, claimed_at=None)).rowcount


# -- reading ----------------------------------------------------------------------------


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Destination name -> status -> number of alerts."""
    with store.reader() as s:
        rows = s.execute(
            select(Alert.destination, Alert.status, func.count()).group_by(Alert.destination, Alert.status)
        ).all()
    found: dict[str, dict[str, int]] = {}
    for destination, status, n in rows:
        found.setdefault(destination, {})[status] = n
    return found


def list_alerts(
    store: Store, *, status: AlertStatus | None = None, since: datetime | None = None, limit: int | None = None
) -> list[AlertRow]:
    """Outbox rows, newest first."""
    query = (
        select(
            Alert.id,
            Alert.event_id,
            Site.name,
            Event.kind,
            Alert.destination,
            Alert.status,
            Alert.attempts,
            Alert.last_error,
            Alert.created_at,
            Alert.sent_at,
        )
        .join(Event, Event.id == Alert.event_id)
        .join(Site, Site.id == Event.site_id)
        .order_by(Alert.id.desc())
    )
    if status:
        query = query.where(Alert.status == status)
    if since:
        query = query.where(Alert.created_at >= since)
    if limit:
        query = query.limit(limit)
    with store.reader() as s:
        return [AlertRow(*row) for row in s.execute(query).all()]


def event_view(session: Session, event_id: int, *, base_url: str | None = None) -> EventView:
    """Everything a message about ``event_id`` says, as plain values."""
    event = session.get(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    site = session.get(Site, event.site_id)
    article = session.get(Article, event.article_id) if event.article_id else None
    old, new = (
        Content.from_json(session.get(Version, v).content) if v else None
        for v in (event.from_version_id, event.to_version_id)
    )
    changes: tuple[str, ...] = tuple(event.details.get("changes") or ())
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    diff = changesets.of_event(session, event) if old and new else None
    if diff is not None:  # the change set stored with the event, not computed again
        changes = tuple(sorted(diff.kinds))
        # A rewritten lead is quoted with the paragraphs: it is what readers see first.
        lead_changed = "lead" in diff.kinds
        removed = (*((old.lead,) if lead_changed and old.lead else ()), *diff.removed)
        added = (*((new.lead,) if lead_changed and new.lead else ()), *diff.added)
    elif old and event.kind == EventKind.DELETED:
        removed = (*((old.lead,) if old.lead else ()), *old.body)
    views, comments = _metrics_at(session, event) if article else (None, None)
    return EventView(
        event_id=event.id,
        site=site.name,
        kind=event.kind,
        created_at=event.created_at,
        article_id=event.article_id,
        url=article.url if article else None,
        headline_old=old.headline if old else None,
        headline_new=new.headline if new else None,
        changes=changes,
        removed=removed,
        added=added,
        published_old=old.published if old else None,
        published_new=new.published if new else None,
        views=views,
        comments=comments,
        details=dict(event.details or {}),
        base_url=base_url,
    )


def _metrics_at(session: Session, event: Event) -> Sequence[int | None]:
    """Views and comments of the latest reading at or before the event's capture."""
    at = event.created_at
    if event.capture_id:
        at = session.scalar(select(Capture.fetched_at).where(Capture.id == event.capture_id)) or at
    row = session.execute(
        select(Capture.views, Capture.comments)
        .where(
            Capture.article_id == event.article_id,
            Capture.fetched_at <= at,
            or_(Capture.views.is_not(None), Capture.comments.is_not(None)),
        )
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    return tuple(row) if row else (None, None)
