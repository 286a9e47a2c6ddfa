"""Read-only queries behind the CLI and the review UI; every result is plain data."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select

from changes.times import iso
from store.models import Article, Capture, Event, Site, TreeHead, Version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def find_article(s: Session, url: str) -> Article | None:
    """The article at ``url``: exact, then with a trailing slash, then by path on any host.

    People paste URLs as their browser shows them; the archive keeps canonical ones.
    """
    candidates = [url, url.rstrip("/") + "/", url.split("#")[0].split("?")[0].rstrip("/") + "/"]
    for candidate in dict.fromkeys(candidates):
        article = s.scalars(select(Article).where(Article.url == candidate)).first()
        if article is not None:
            return article
    path = urlsplit(candidates[-1]).path
    if len(path) > 1:
        return s.scalars(select(Article).where(Article.url.endswith(path)).order_by(Article.id)).first()
    return None


def article_summary(s: Session, article: Article) -> dict[str, Any]:
    site = s.get(Site, article.site_id)
    current = s.get(Version, article.current_version_id) if article.current_version_id else None
    return {
        "id": article.id,
        "site": site.name,
        "url": article.url,
        "status": article.status,
        "headline": (current.content.get("headline") if current else None),
        "first_seen_at": iso(article.first_seen_at),
        "last_capture_at": iso(article.last_capture_at),
        "next_check_at": iso(article.next_check_at),
        "current_version": current.seq if current else None,
    }


def history(s: Session, article: Article) -> dict[str, Any]:
    """An article's timeline: versions, events, captures by outcome and the view series."""
    versions = s.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.seq)).all()
    seq_of = {v.id: v.seq for v in versions}
    confirmed = confirmed_versions(s, article)
    seen = dict(
        s.execute(
            select(Capture.version_id, func.count())
            .where(Capture.article_id == article.id, Capture.version_id.is_not(None))
            .group_by(Capture.version_id)
        ).all()
    )
    last_seen = dict(
        s.execute(
            select(Capture.version_id, func.max(Capture.fetched_at))
            .where(Capture.article_id == article.id, Capture.version_id.is_not(None))
            .group_by(Capture.version_id)
        ).all()
    )
    events = s.scalars(select(Event).where(Event.article_id == article.id).order_by(Event.id)).all()
    outcomes = dict(
        s.execute(
            select(Capture.outcome, func.count()).where(Capture.article_id == article.id).group_by(Capture.outcome)
        ).all()
    )
    # The view-count history: the numbers each capture read (ix_captures_article serves it).
    metrics = s.execute(
        select(Capture.fetched_at, Capture.views, Capture.comments)
        .where(Capture.article_id == article.id, or_(Capture.views.is_not(None), Capture.comments.is_not(None)))
        .order_by(Capture.id)
    ).all()
    return {
        "article": article_summary(s, article),
        "versions": [
            {
                "seq": v.seq,
                "id": v.id,
                "content_hash": v.content_hash,
                "headline": v.content.get("headline"),
                "published": v.content.get("published"),
                "first_seen_at": iso(v.first_seen_at),
                "last_seen_at": iso(last_seen.get(v.id)),
                "captures": seen.get(v.id, 0),
                "parser": f"{v.parser}/{v.parser_version}",
                "current": v.id == article.current_version_id,
                "confirmed": v.id in confirmed,
            }
            for v in versions
        ],
        "events": [event_row(e, seq_of) for e in events],
        "captures": outcomes,
        "metrics": [{"at": iso(at), "views": views, "comments": comments} for at, views, comments in metrics],
    }


def event_row(e: Event, seq_of: dict[int, int] | None = None, **extra: Any) -> dict[str, Any]:
    seq_of = seq_of or {}
    return {
        "id": e.id,
        "kind": e.kind,
        "at": iso(e.created_at),
        "capture_id": e.capture_id,
        "from_version": seq_of.get(e.from_version_id, e.from_version_id),
        "to_version": seq_of.get(e.to_version_id, e.to_version_id),
        "details": e.details,
        **extra,
    }


def changes_since(
    s: Session, since: datetime | None, *, site: str | None = None, kinds: list[str] | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Events newest first, with their site, article URL and headline."""
    query = (
        select(Event, Site.name, Article.url, Version.content["headline"].as_string())
        .join(Site, Site.id == Event.site_id)
        .outerjoin(Article, Article.id == Event.article_id)
        .outerjoin(Version, Version.id == func.coalesce(Event.to_version_id, Event.from_version_id))
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Event.created_at >= since)
    if site:
        query = query.where(Site.name == site)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    rows = s.execute(query).all()
    # The per-article numbers history and diff use, not the versions' row ids.
    ids = {v for e, *_ in rows for v in (e.from_version_id, e.to_version_id) if v is not None}
    seq_of = dict(s.execute(select(Version.id, Version.seq).where(Version.id.in_(ids))).all()) if ids else {}
    return [event_row(e, seq_of, site=site_name, url=url, headline=headline) for e, site_name, url, headline in rows]


def confirmed_versions(s: Session, article: Article) -> set[int]:
    """Ids of the versions that were ever the article's confirmed content; the rest are
    candidates seen too few times so far (or only in runs that were not trusted)."""
    from changes import EventKind

    confirming = (EventKind.NEW.value, EventKind.EDITED.value, EventKind.REVERTED.value)
    found = set(
        s.scalars(
            select(Event.to_version_id).where(
                Event.article_id == article.id, Event.kind.in_(confirming), Event.to_version_id.is_not(None)
            )
        )
    )
    return found | ({article.current_version_id} if article.current_version_id else set())


def versions_for_diff(s: Session, article: Article, old: int | None, new: int | None) -> tuple[Version, Version] | None:
    """The two versions to compare, by seq; default: the last two the article had."""
    versions = s.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.seq)).all()
    by_seq = {v.seq: v for v in versions}
    if len(versions) < 2 and (old is None or new is None):
        return None
    new_v = by_seq.get(new) if new is not None else versions[-1]
    old_v = by_seq.get(old) if old is not None else by_seq.get(new_v.seq - 1) if new_v else None
    if old_v is None or new_v is None:
        raise LookupError(f"no such version: have {sorted(by_seq)}")
    return old_v, new_v


def latest_head_line(s: Session) -> str | None:
    """The newest signed tree head as one line, for alert footers and the Atom feed.

    Each reader then holds a witness copy of the evidence log (``evidence.log``); the line
    is what ``palimpsest verify --head FILE`` reads back (``evidence.log.parse_heads``).
    """
    head = s.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()
    if head is None:
        return None
    signature = base64.b64encode(head.signature).decode("ascii")
    return (
        f"Tree head {head.origin}: {head.tree_size} captures, root {head.root_hash}, "
        f"signed {head.timestamp}, sig {signature}"
    )
