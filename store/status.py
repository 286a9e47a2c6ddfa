"""Per-site health and backlog for ``palimpsest status``: plain data, for cron and monitoring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from changes.times import iso
from store.models import Alert, Article, Event, Run, Site

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

GOOD_HEALTH = ("ok", "inconclusive")
"""Run verdicts that count as a successful run (too few pages to judge is not a failure)."""
ERROR_OUTCOMES = ("transient", "blocked", "gone")


def site_status(s: Session, names: Iterable[str], *, now: datetime, stale_after: timedelta) -> list[dict[str, Any]]:
    """One document per site: last run, last success, health, errors, due backlog, outbox."""
    return [_one(s, name, now, stale_after) for name in names]


def outbox_backlog(s: Session) -> dict[str, int]:
    """Alerts by delivery state, all sites together."""
    return dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())


def _one(s: Session, name: str, now: datetime, stale_after: timedelta) -> dict[str, Any]:
    site = s.scalars(select(Site).where(Site.name == name)).one_or_none()
    doc: dict[str, Any] = {
        "site": name,
        "health": site.health if site else None,
        "last_run": None,
        "last_success_at": None,
        "running": 0,
        "errors": {},
        "due": 0,
        "leased": 0,
        "oldest_overdue": None,
        "outbox": {},
    }
    if site is None:
        doc["stale"] = True
        return doc
    last = s.scalars(
        select(Run).where(Run.site_id == site.id, Run.status != "running").order_by(Run.id.desc()).limit(1)
    ).first()
    if last is not None:
        doc["last_run"] = {
            "id": last.id,
            "worker": last.worker,
            "status": last.status,
            "health": last.health,
            "started_at": iso(last.started_at),
            "finished_at": iso(last.finished_at),
            "pages": (last.stats or {}).get("pages", 0),
            "reason": (last.stats or {}).get("reason"),
        }
        doc["errors"] = {k: (last.stats or {}).get(k, 0) for k in (*ERROR_OUTCOMES, "parse_failed")}
    success = s.scalar(
        select(func.max(Run.finished_at)).where(
            Run.site_id == site.id, Run.status == "finished", Run.health.in_(GOOD_HEALTH)
        )
    )
    doc["last_success_at"] = iso(success)
    doc["stale"] = success is None or now - success > stale_after
    doc["running"] = s.scalar(select(func.count()).where(Run.site_id == site.id, Run.status == "running"))
    free = or_(Article.lease_until.is_(None), Article.lease_until < now)
    due = (Article.site_id == site.id, Article.next_check_at <= now, free)
    doc["due"] = s.scalar(select(func.count()).select_from(Article).where(*due))
    doc["leased"] = s.scalar(
        select(func.count()).select_from(Article).where(Article.site_id == site.id, Article.lease_until >= now)
    )
    oldest = s.execute(
        select(Article.url, Article.next_check_at).where(*due).order_by(Article.next_check_at, Article.id).limit(1)
    ).first()
    if oldest is not None:
        doc["oldest_overdue"] = {
            "url": oldest.url,
            "due_since": iso(oldest.next_check_at),
            "overdue_s": round((now - oldest.next_check_at).total_seconds()),
        }
    doc["outbox"] = dict(
        s.execute(
            select(Alert.status, func.count())
            .join(Event, Event.id == Alert.event_id)
            .where(Event.site_id == site.id, Alert.status != "sent")
            .group_by(Alert.status)
        ).all()
    )
    return doc
