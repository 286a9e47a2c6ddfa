"""Read queries behind ``show`` and the review pages; every result is plain data.

Each query touches one article's rows through ``ix_captures_article`` and
``ix_events_article``, or walks events newest first by primary key, so that pages stay
fast on a store of a million captures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from store.models import Article, Capture, Event, Site, Version

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

EVENT_KINDS = ("edited", "reverted", "deleted", "restored", "new")
DIGESTS = (
    "request_sha256",
    "response_sha256",
    "payload_sha256",
    "certificate_sha256",
    "prev_hash",
    "record_hash",
    "ledger_hash",
)


def capture_row(c: Capture) -> dict[str, Any]:
    """A capture as evidence: when, what came back, and every digest that proves it."""
    return {
        "id": c.id,
        "url": c.url,
        "final_url": c.final_url,
        "fetched_at": c.fetched_at,
        "status": c.status,
        "outcome": c.outcome,
        "reason": c.reason,
        "error": c.error,
        "views": c.views,
        "comments": c.comments,
        "version_id": c.version_id,
        "digests": {name: getattr(c, name) for name in DIGESTS},
    }


@dataclass(frozen=True)
class Shown:
    """What an article said at a moment: the version, the capture it comes from, and the
    latest capture at that moment when that one did not show content (a 404, a timeout)."""

    version: Version
    capture: Capture
    latest: Capture | None = None


def state_at(s: Session, article: Article, at: datetime) -> Shown | None:
    """The content of the last capture at or before ``at`` that read any; None before the first."""
    query = (
        select(Capture)
        .where(Capture.article_id == article.id, Capture.fetched_at <= at)
        .order_by(Capture.id.desc())
        .limit(1)
    )
    capture = s.scalars(query.where(Capture.version_id.is_not(None))).first()
    if capture is None:
        return None
    latest = s.scalars(query.where(Capture.id > capture.id)).first()
    return Shown(s.get(Version, capture.version_id), capture, latest)


def version_by_seq(s: Session, article: Article, seq: int) -> Shown | None:
    """Version ``seq`` of the article with the first capture that showed it."""
    version = s.scalars(select(Version).where(Version.article_id == article.id, Version.seq == seq)).first()
    if version is None:
        return None
    return Shown(version, s.get(Capture, version.first_capture_id))


def versions(s: Session, article_id: int) -> list[Version]:
    return list(s.scalars(select(Version).where(Version.article_id == article_id).order_by(Version.seq)))


def version_sightings(s: Session, version_id: int) -> dict[str, Any]:
    """How often and over what span captures showed one version."""
    count, first, last = s.execute(
        select(func.count(), func.min(Capture.fetched_at), func.max(Capture.fetched_at)).where(
            Capture.version_id == version_id
        )
    ).one()
    return {"captures": count, "first": first, "last": last}


def capture_runs(s: Session, article_id: int) -> list[dict[str, Any]]:
    """The article's captures as runs of the same outcome and version, oldest first.

    Ninety unchanged recaptures read as one line, a failure or a deletion stands out.
    """
    rows = s.execute(
        select(Capture.id, Capture.fetched_at, Capture.outcome, Capture.status, Capture.reason, Capture.version_id)
        .where(Capture.article_id == article_id)
        .order_by(Capture.id)
    ).all()
    runs: list[dict[str, Any]] = []
    for cid, at, outcome, status, reason, version_id in rows:
        key = (outcome, status, version_id)
        if runs and runs[-1]["key"] == key:
            run = runs[-1]
            run.update(count=run["count"] + 1, last=at, last_id=cid)
            continue
        runs.append(
            {
                "key": key,
                "outcome": outcome,
                "status": status,
                "reason": reason,
                "version_id": version_id,
                "count": 1,
                "first": at,
                "last": at,
                "first_id": cid,
                "last_id": cid,
            }
        )
    for run in runs:
        del run["key"]
    return runs


def view_series(s: Session, article_id: int) -> list[tuple[datetime, int]]:
    return [
        (at, views)
        for at, views in s.execute(
            select(Capture.fetched_at, Capture.views)
            .where(Capture.article_id == article_id, Capture.views.is_not(None))
            .order_by(Capture.id)
        )
    ]


def article_events(s: Session, article_id: int) -> list[Event]:
    return list(s.scalars(select(Event).where(Event.article_id == article_id).order_by(Event.id)))


def site_name(s: Session, site_id: int) -> str:
    return s.scalar(select(Site.name).where(Site.id == site_id))


def site_names(s: Session) -> list[str]:
    return list(s.scalars(select(Site.name).order_by(Site.name)))


def changes_page(
    s: Session,
    *,
    site: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], bool]:
    """Article events newest first, one page, and whether more lie beyond it.

    ``kind`` is an event kind (edited, deleted…) or a change kind (headline,
    backdated…). Pages turn on event ids (``before``/``after``): no OFFSET to scan.
    """
    query = (
        select(Event, Site.name, Article.url, Article.status)
        .join(Site, Site.id == Event.site_id)
        .join(Article, Article.id == Event.article_id)
    )
    if site:
        query = query.where(Site.name == site)
    if kind in EVENT_KINDS:
        query = query.where(Event.kind == kind)
    elif kind:
        query = query.where(_has_change(s, kind))
    if since is not None:
        query = query.where(Event.created_at >= since)
    if until is not None:
        query = query.where(Event.created_at < until)
    if after is not None:
        query = query.where(Event.id > after).order_by(Event.id)
    else:
        query = query.where(Event.id < before) if before is not None else query
        query = query.order_by(Event.id.desc())
    rows = s.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if after is not None:
        rows.reverse()
    ids = {v for e, *_ in rows for v in (e.from_version_id, e.to_version_id) if v}
    found = {v.id: v for v in s.scalars(select(Version).where(Version.id.in_(ids)))} if ids else {}
    return [
        {
            "event": e,
            "site": name,
            "url": url,
            "status": status,
            "from": found.get(e.from_version_id),
            "to": found.get(e.to_version_id),
        }
        for e, name, url, status in rows
    ], more


def _has_change(s: Session, kind: str) -> Any:
    """The event's details list this change kind (a JSON array, queried per dialect)."""
    if s.get_bind().dialect.name == "postgresql":
        return text("(events.details::jsonb -> 'changes') @> jsonb_build_array(CAST(:change AS text))").bindparams(
            change=kind
        )
    return text(
        "EXISTS (SELECT 1 FROM json_each(events.details, '$.changes') AS c WHERE c.value = :change)"
    ).bindparams(change=kind)


def deleted_articles(s: Session, *, before: int | None = None, limit: int = 50) -> tuple[list[dict[str, Any]], bool]:
    """Articles confirmed gone, newest deletion first, each with the last capture that showed it."""
    query = (
        select(Article, Event, Site.name)
        .join(Site, Site.id == Article.site_id)
        .join(Event, (Event.article_id == Article.id) & (Event.kind == "deleted"))
        .where(Article.status == "deleted")
    )
    query = query.where(Event.id < before) if before is not None else query
    rows = s.execute(query.order_by(Event.id.desc()).limit(limit + 1)).all()
    out, seen = [], set()
    for article, event, name in rows[:limit]:
        if article.id in seen:  # deleted, restored and deleted again: the latest deletion
            continue
        seen.add(article.id)
        last_ok = s.scalars(
            select(Capture)
            .where(Capture.article_id == article.id, Capture.version_id.is_not(None))
            .order_by(Capture.id.desc())
            .limit(1)
        ).first()
        version = s.get(Version, last_ok.version_id) if last_ok else None
        out.append({"article": article, "event": event, "site": name, "last_ok": last_ok, "version": version})
    return out, len(rows) > limit


def event_by_id(s: Session, event_id: int) -> Event | None:
    return s.get(Event, event_id)
