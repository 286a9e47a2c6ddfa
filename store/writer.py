"""The archive writer: runs, the frontier (discover, lease), and captures with their versions.

One transaction per capture keeps the store consistent if the process is killed at
any point: a capture (with its store-wide ledger hash and the view count it read), its
blobs, its version and the article's chain head are written together or not at all.
Finishing a run (health, coverage, change detection) is ``detection``'s; the events it
decides are written through ``store.events``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from changes import (
    ArticleStatus,
    Content,
    HealthStatus,
    Outcome,
    Schedule,
    next_check,
    without_suspect,
)
from changes.records import CaptureKind
from changes.times import utcnow
from store import chain
from store.blobs import BlobStore
from store.db import insert_new
from store.models import (
    Article,
    Capture,
    Run,
    RunStatus,
    Site,
    Version,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy.orm import Session

    from changes import Verdict
    from changes.records import Fetched, Reading
    from store.db import Store

logger = logging.getLogger(__name__)

LEDGER_LOCK = 0x7061_6C69  # any constant: PostgreSQL advisory lock id for the ledger head


class ArticleRef(NamedTuple):
    url: str
    site_article_id: str | None = None
    language: str | None = None
    lastmod: datetime | None = None
    """When a sitemap says the article last changed: a known article changed since its
    last capture is due again at once."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Archive:
    """Writes to one store. Routing decides which destinations get each event."""

    def __init__(self, store: Store, *, route: Callable[[str, str], Sequence[str]] | None = None,
                 stale_after: timedelta = timedelta(hours=6)) -> None:
        self.store = store
        self.blobs = BlobStore()
        self.route = route or (lambda _site, _kind: ())
        self.stale_after = stale_after
        self.worker = worker_name()
        self._runs: dict[int, tuple[int, str]] = {}
        self._last_listing: dict[str, str] = {}

    # -- runs -----------------------------------------------------------------------

    def start_run(self, site: str, parser: str, *, now: datetime | None = None) -> int:
        """Open a run for ``site`` (created on first sight) and return its id."""
        now = now or utcnow()
        insert = postgresql.insert if self.store.dialect == "postgresql" else sqlite.insert
        with self.store.session() as s:
            # Two first runs may race to create the site: the unique name decides.
            s.execute(insert(Site).values(name=site, parser=parser, health=HealthStatus.OK, created_at=now)
                      .on_conflict_do_nothing(index_elements=["name"]))
            row = s.scalars(select(Site).where(Site.name == site)).one()
            if row.parser != parser:
                row.parser = parser
            run = Run(site_id=row.id, worker=self.worker, started_at=now, software=_software())
            s.add(run)
            s.flush()
            self._runs[run.id] = (row.id, site)
            return run.id

    def dead_runs(self, site: str, *, now: datetime | None = None) -> list[int]:
        """Runs of ``site`` still marked running whose process is gone (or too old)."""
        now = now or utcnow()
        with self.store.reader() as s:
            rows = s.execute(
                select(Run.id, Run.worker, Run.started_at).join(Site)
                .where(Site.name == site, Run.status == RunStatus.RUNNING)).all()
        return [run_id for run_id, worker, started in rows if _is_dead(worker, started, now, self.stale_after)]

    def _run_site(self, run_id: int) -> tuple[int, str]:
        if run_id not in self._runs:
            with self.store.reader() as s:
                site_id, name = s.execute(select(Site.id, Site.name).join(Run).where(Run.id == run_id)).one()
            self._runs[run_id] = (site_id, name)
        return self._runs[run_id]

    # -- discovery and schedule -------------------------------------------------------

    def discover(self, run_id: int, refs: Iterable[ArticleRef], *, now: datetime | None = None) -> int:
        """Add articles not yet known, due at once. Returns how many were new."""
        now = now or utcnow()
        site_id, _ = self._run_site(run_id)
        refs_by_url = {r.url: r for r in refs}
        insert = postgresql.insert if self.store.dialect == "postgresql" else sqlite.insert
        with self.store.session() as s:
            known = set(s.scalars(select(Article.url).where(
                Article.site_id == site_id, Article.url.in_(list(refs_by_url)))).all()) if refs_by_url else set()
            rows = [{"site_id": site_id, "url": r.url, "site_article_id": r.site_article_id,
                     "language": r.language, "first_seen_at": now, "next_check_at": now,
                     "status": "unseen", "pending_count": 0, "gone_count": 0, "detected_through": 0}
                    for url, r in refs_by_url.items() if url not in known]
            if rows:
                # Another worker may add the same article meanwhile: the unique key decides.
                s.execute(insert(Article).on_conflict_do_nothing(index_elements=["site_id", "url"]), rows)
            self._due_if_changed(s, site_id, {r.url: r.lastmod for r in refs_by_url.values()
                                              if r.lastmod and r.url in known}, now)
        return len(rows)

    def _due_if_changed(self, s: Session, site_id: int, lastmods: dict[str, datetime], now: datetime) -> None:
        """Known articles whose sitemap ``lastmod`` is later than their last capture: due now."""
        if not lastmods:
            return
        rows = s.execute(select(Article.id, Article.url, Article.last_capture_at).where(
            Article.site_id == site_id, Article.url.in_(list(lastmods)), Article.next_check_at > now)).all()
        changed = [aid for aid, url, last in rows
                   if last is None or _aware(last) < lastmods[url]]
        if changed:
            s.execute(update(Article).where(Article.id.in_(changed)).values(next_check_at=now))

    def lease_due(self, run_id: int, *, limit: int, ttl: timedelta = timedelta(minutes=30),
                  now: datetime | None = None) -> list[tuple[int, str]]:
        """Claim up to ``limit`` due articles for this run: (id, url), most overdue first.

        A claimed article is skipped by every other run until its lease ends or the
        capture is recorded, so overlapping runs and several workers never fetch the
        same article twice; a run that leases again as it goes never takes one it has
        captured already (an article due at once again is for the next round).
        """
        if limit <= 0:
            return []
        now = now or utcnow()
        site_id, _ = self._run_site(run_id)
        started = select(Run.started_at).where(Run.id == run_id).scalar_subquery()
        query = (select(Article.id, Article.url)
                 .where(Article.site_id == site_id, Article.next_check_at <= now,
                        or_(Article.lease_until.is_(None), Article.lease_until < now),
                        or_(Article.last_capture_at.is_(None), Article.last_capture_at < started))
                 .order_by(Article.next_check_at, Article.id).limit(limit))
        if self.store.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self.store.session() as s:
            rows = [tuple(r) for r in s.execute(query).all()]
            if rows:
                s.execute(update(Article).where(Article.id.in_([r[0] for r in rows]))
                          .values(lease_run_id=run_id, lease_until=now + ttl))
        return rows

    # -- captures ---------------------------------------------------------------------

    def record(self, run_id: int, fetched: Fetched, verdict: Verdict, *, article_url: str | None = None,
               reading: Reading | None = None, schedule: Schedule | None = None) -> int:
        """Archive one fetch attempt with what was read from it; returns the capture id."""
        site_id, site = self._run_site(run_id)
        with self.store.session() as s:
            article = self._article_for(s, site_id, article_url, fetched.fetched_at) if article_url else None
            base = self._previous_response(s, article, fetched.url)
            response = fetched.response_bytes()
            digests = {
                "request_sha256": self.blobs.put(s, fetched.request_bytes()),
                "response_sha256": self.blobs.put(s, response, base=base) if response is not None else None,
                "payload_sha256": hashlib.sha256(fetched.body).hexdigest() if response is not None else None,
                "certificate_sha256": self.blobs.put(s, fetched.certificate_pem) if fetched.certificate_pem else None,
            }
            content = reading.content if reading and article and verdict.outcome is Outcome.OK else None
            if content and reading.suspect and article.current_version_id:
                current = Content.from_json(s.get(Version, article.current_version_id).content)
                content = without_suspect(content, current, reading.suspect)
            # The view count at this moment is evidence too: it is chained with the rest.
            counts = {"views": reading.views, "comments": reading.comments} if reading and content else {}
            meta = {k: v for k, v in {
                "ip": fetched.ip, "redirects": list(fetched.redirects) or None,
                "missing": list(reading.missing_fields) if reading and reading.missing_fields else None,
                "group": reading.group if reading else None,
                "suspect": dict(reading.suspect) if reading and reading.suspect else None,
                "parser": f"{reading.parser}/{reading.parser_version}" if reading else None,
                **fetched.provenance}.items() if v is not None}
            fields = {
                "kind": fetched.kind, "url": fetched.url, "final_url": fetched.final_url,
                "fetched_at": fetched.fetched_at, "elapsed_ms": fetched.elapsed_ms,
                "status": fetched.status, "error": fetched.error, "outcome": verdict.outcome.value,
                "reason": verdict.reason[:200], "meta": meta,
                "parse_error": reading.parse_error[:500] if reading and reading.parse_error else None,
                "prev_hash": article.head_hash if article else None, **digests, **counts,
            }
            record_hash = chain.record_hash(fields, site=site, article_url=article_url,
                                            content_digest=content.digest if content else None)
            # Content seen before: the capture is inserted complete. New content makes a
            # version that names this capture as its first, so it is linked after the insert.
            version = self._known_version(s, article, content) if content else None
            ledger_hash = self._ledger_next(s, record_hash)  # from here to commit: under the ledger lock
            capture = Capture(site_id=site_id, run_id=run_id, article_id=article.id if article else None,
                              version_id=version.id if version else None, record_hash=record_hash,
                              ledger_hash=ledger_hash, **fields)
            s.add(capture)
            s.flush()  # the capture's id is drawn now, after the head was read
            if content and version is None:
                version = self._new_version(s, article, content, reading, capture)
                capture.version_id = version.id
            if article:
                settled = version is not None and version.id == article.current_version_id
                article.head_hash = record_hash
                article.last_capture_at = fetched.fetched_at
                article.lease_run_id = article.lease_until = None
                article.next_check_at = next_check(fetched.fetched_at, article.first_seen_at,
                                                   settled=settled, schedule=schedule or Schedule())
            elif response is not None:
                self._last_listing[fetched.url] = digests["response_sha256"]
            return capture.id

    def _article_for(self, s: Session, site_id: int, url: str, now: datetime) -> Article:
        query = select(Article).where(Article.site_id == site_id, Article.url == url)
        if self.store.dialect == "postgresql":
            query = query.with_for_update()
        article = s.scalars(query).one_or_none()
        if article is None:  # another worker may add it meanwhile: the unique key decides
            insert_new(s, Article, ["site_id", "url"], [{
                "site_id": site_id, "url": url, "first_seen_at": now, "status": ArticleStatus.UNSEEN,
                "pending_count": 0, "gone_count": 0, "detected_through": 0}])
            article = s.scalars(query).one()
        return article

    def _previous_response(self, s: Session, article: Article | None, url: str) -> str | None:
        """The blob a new response is most likely a near copy of: a delta base."""
        if article is None:
            if url not in self._last_listing:
                self._last_listing[url] = s.scalars(
                    select(Capture.response_sha256)
                    .where(Capture.url == url, Capture.kind != CaptureKind.ARTICLE,
                           Capture.response_sha256.is_not(None))
                    .order_by(Capture.id.desc()).limit(1)).first()
            return self._last_listing[url]
        return s.scalars(select(Capture.response_sha256)
                         .where(Capture.article_id == article.id, Capture.response_sha256.is_not(None))
                         .order_by(Capture.id.desc()).limit(1)).first()

    def _known_version(self, s: Session, article: Article, content: Content) -> Version | None:
        """The article's version with this content, when it was seen before."""
        return s.scalars(select(Version).where(Version.article_id == article.id,
                                               Version.content_hash == content.digest)).one_or_none()

    def _new_version(self, s: Session, article: Article, content: Content, reading: Reading,
                     capture: Capture) -> Version:
        """The article's version with this content, first seen in ``capture``."""
        seq = s.scalar(select(func.count()).where(Version.article_id == article.id)) + 1
        version = Version(article_id=article.id, seq=seq, content_hash=content.digest, content=content.to_json(),
                          parser=reading.parser, parser_version=reading.parser_version,
                          first_capture_id=capture.id, first_seen_at=capture.fetched_at)
        s.add(version)
        s.flush()
        return version

    def _ledger_next(self, s: Session, record_hash: str) -> str:
        """The ledger hash of a capture the caller inserts next, under the ledger lock
        from here to commit (the protocol: ``store.chain``)."""
        if self.store.dialect == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK})
        previous = s.scalars(select(Capture.ledger_hash).order_by(Capture.id.desc()).limit(1)).first()
        return chain.ledger_hash(previous, record_hash)

def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_dead(worker: str, started: datetime, now: datetime, stale_after: timedelta) -> bool:
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return now - started > stale_after
    return now - started > stale_after


def _software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"palimpsest/{version('palimpsest')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "palimpsest/dev"
