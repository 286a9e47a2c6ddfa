"""The archive writer: runs, the frontier (discover, lease), and captures with their versions.

One transaction per batch of captures (``record_many``; the crawl's writer thread,
``crawler.writing``, sends batches) keeps the store consistent if the process is killed
at any point: each capture (with its store-wide ledger hash and the view count it read),
its blobs, its version and the article's chain head are written together with the rest
of the batch, or not at all.
Finishing a run (health, coverage, change detection) is ``detection``'s; the events it
decides are written through ``store.events``.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import and_, func, or_, select, text, update
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

LEDGER_LOCK = 0x7061_6C69  # any constant: PostgreSQL advisory lock id for the ledger head


class ArticleRef(NamedTuple):
    url: str
    site_article_id: str | None = None
    language: str | None = None
    lastmod: datetime | None = None
    """When a sitemap says the article last changed: a known article changed since its
    last capture is due again at once."""


class CaptureJob(NamedTuple):
    """One fetch attempt to archive, with what was read from it."""

    fetched: Fetched
    verdict: Verdict
    article_url: str | None = None
    reading: Reading | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Archive:
    """Writes to one store. Routing decides which destinations get each event."""

    def __init__(
        self,
        store: Store,
        *,
        route: Callable[[str, str], Sequence[str]] | None = None,
        stale_after: timedelta = timedelta(hours=6),
    ) -> None:
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
            s.execute(
                insert(Site)
                .values(name=site, parser=parser, health=HealthStatus.OK, created_at=now)
                .on_conflict_do_nothing(index_elements=["name"])
            )
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
                select(Run.id, Run.worker, Run.started_at)
                .join(Site)
                .where(Site.name == site, Run.status == RunStatus.RUNNING)
            ).all()
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
            known = (
                set(
                    s.scalars(
                        select(Article.url).where(Article.site_id == site_id, Article.url.in_(list(refs_by_url)))
                    ).all()
                )
                if refs_by_url
                else set()
            )
            rows = [
                {
                    "site_id": site_id,
                    "url": r.url,
                    "site_article_id": r.site_article_id,
                    "language": r.language,
                    "first_seen_at": now,
                    "next_check_at": now,
                    "status": "unseen",
                    "pending_count": 0,
                    "gone_count": 0,
                    "detected_through": 0,
                }
                for url, r in refs_by_url.items()
                if url not in known
            ]
            if rows:
                # Another worker may add the same article meanwhile: the unique key decides.
                s.execute(insert(Article).on_conflict_do_nothing(index_elements=["site_id", "url"]), rows)
            self._due_if_changed(
                s, site_id, {r.url: r.lastmod for r in refs_by_url.values() if r.lastmod and r.url in known}, now
            )
        return len(rows)

    def _due_if_changed(self, s: Session, site_id: int, lastmods: dict[str, datetime], now: datetime) -> None:
        """Known articles whose sitemap ``lastmod`` is later than their last capture: due now."""
        if not lastmods:
            return
        rows = s.execute(
            select(Article.id, Article.url, Article.last_capture_at).where(
                Article.site_id == site_id, Article.url.in_(list(lastmods)), Article.next_check_at > now
            )
        ).all()
        changed = [aid for aid, url, last in rows if last is None or _aware(last) < lastmods[url]]
        if changed:
            s.execute(update(Article).where(Article.id.in_(changed)).values(next_check_at=now))

    def lease_due(
        self, run_id: int, *, limit: int, ttl: timedelta = timedelta(minutes=30), now: datetime | None = None
    ) -> list[tuple[int, str]]:
        """Claim up to ``limit`` due articles for this run: (id, url), most overdue first.

        A claimed article is skipped by every other run until its lease ends or the
        capture is recorded, so overlapping runs and several workers never fetch the
        same article twice; a run that leases again as it goes never takes one it has
        captured already (an article due at once again is for the next round), nor one
        it still holds whose lease has run out.
        """
        if limit <= 0:
            return []
        now = now or utcnow()
        site_id, _ = self._run_site(run_id)
        started = select(Run.started_at).where(Run.id == run_id).scalar_subquery()
        query = (
            select(Article.id, Article.url)
            .where(
                Article.site_id == site_id,
                Article.next_check_at <= now,
                # An expired lease is free for other runs; this run's own are in its hands
                # (or fetched and waiting for the writer), and taking them again would
                # fetch them twice.
                or_(
                    Article.lease_until.is_(None),
                    and_(
                        Article.lease_until < now,
                        or_(Article.lease_run_id.is_(None), Article.lease_run_id != run_id),
                    ),
                ),
                or_(Article.last_capture_at.is_(None), Article.last_capture_at < started),
            )
            .order_by(Article.next_check_at, Article.id)
            .limit(limit)
        )
        if self.store.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self.store.session() as s:
            rows = [tuple(r) for r in s.execute(query).all()]
            if rows:
                s.execute(
                    update(Article)
                    .where(Article.id.in_([r[0] for r in rows]))
                    .values(lease_run_id=run_id, lease_until=now + ttl)
                )
        return rows

    # -- captures ---------------------------------------------------------------------

    def record(
        self,
        run_id: int,
        fetched: Fetched,
        verdict: Verdict,
        *,
        article_url: str | None = None,
        reading: Reading | None = None,
        schedule: Schedule | None = None,
    ) -> int:
        """Archive one fetch attempt with what was read from it; returns the capture id."""
        return self.record_many(run_id, [CaptureJob(fetched, verdict, article_url, reading)], schedule=schedule)[0]

    def record_many(self, run_id: int, jobs: Sequence[CaptureJob], *, schedule: Schedule | None = None) -> list[int]:
        """Archive fetch attempts in one transaction, in order; returns their capture ids.

        All or nothing: a batch cut short (killed, a store error) leaves no trace, and its
        articles stay leased until the lease ends. The blobs are written first, then the
        captures under one hold of the ledger lock, so other workers wait for the inserts
        only, never for this batch's compression. A few statements per batch, not per
        capture: each lookup is one query for the whole batch.
        """
        site_id, site = self._run_site(run_id)
        schedule = schedule or Schedule()
        try:
            with self.store.session() as s:
                with s.no_autoflush:  # nothing is written until the batch's rows go in together
                    urls = {j.article_url: j.fetched.fetched_at for j in jobs if j.article_url}
                    articles = self._articles_for(s, site_id, urls)
                    bases = self._previous_responses(s, [a.id for a in articles.values()])
                    known, seqs = self._known_versions(s, articles, jobs)
                    raws = [_raw(job.fetched) for job in jobs]
                    stored = self.blobs.existing(s, (d for raw in raws for _, d in raw.values() if d))
                    prepared = [
                        self._prepare(s, site, job, raw, articles.get(job.article_url), bases, known, stored)
                        for job, raw in zip(jobs, raws, strict=True)
                    ]
                    self.blobs.flush(s)
                return self._insert(s, site_id, run_id, jobs, prepared, articles, known, seqs, schedule)
        finally:
            self.blobs.discard()

    def _insert(
        self,
        s: Session,
        site_id: int,
        run_id: int,
        jobs: Sequence[CaptureJob],
        prepared: list,
        articles: dict[str, Article],
        known: dict,
        seqs: dict[int, int],
        schedule: Schedule,
    ) -> list[int]:
        """The captures, their new versions and their articles' heads, under the ledger lock."""
        ledger = self._ledger_head(s)  # from here to commit: under the ledger lock
        captures = []
        for job, (fields, record_hash, _content, version) in zip(jobs, prepared, strict=True):
            article = articles.get(job.article_url)
            ledger = chain.ledger_hash(ledger, record_hash)
            captures.append(
                Capture(
                    site_id=site_id,
                    run_id=run_id,
                    article_id=article.id if article else None,
                    version_id=version.id if version else None,
                    record_hash=record_hash,
                    ledger_hash=ledger,
                    **fields,
                )
            )
        s.add_all(captures)
        s.flush()  # one INSERT: the ids are drawn now, under the lock, after the head was read
        ids = [c.id for c in captures]
        if any(a >= b for a, b in itertools.pairwise(ids)):  # the ledger follows id order
            raise RuntimeError("captures of a batch were not given ids in order")
        new: dict[tuple[int, str], Version] = {}
        versions = []
        for job, capture, (_fields, _hash, content, version) in zip(jobs, captures, prepared, strict=True):
            if content and version is None:
                article = articles[job.article_url]
                key = (article.id, content.digest)
                version = known.get(key) or new.get(key)
                if version is None:  # new content: a version that names this capture as its first
                    seqs[article.id] = seqs.get(article.id, 0) + 1
                    version = new[key] = Version(
                        article_id=article.id,
                        seq=seqs[article.id],
                        content_hash=content.digest,
                        content=content.to_json(),
                        parser=job.reading.parser,
                        parser_version=job.reading.parser_version,
                        first_capture_id=capture.id,
                        first_seen_at=capture.fetched_at,
                    )
            versions.append(version)
        if new:
            s.add_all(new.values())
            s.flush()
        for job, capture, version in zip(jobs, captures, versions, strict=True):
            article = articles.get(job.article_url)
            if version is not None and capture.version_id is None:
                capture.version_id = version.id
            if article:
                settled = version is not None and version.id == article.current_version_id
                article.last_capture_at = job.fetched.fetched_at
                article.lease_run_id = article.lease_until = None
                article.next_check_at = next_check(
                    job.fetched.fetched_at, article.first_seen_at, settled=settled, schedule=schedule
                )
        return ids

    def _prepare(
        self,
        s: Session,
        site: str,
        job: CaptureJob,
        raw: dict[str, tuple[bytes | None, str | None]],
        article: Article | None,
        bases: dict[int, str],
        known: dict[tuple[int, str], Version | None],
        stored: set[str],
    ) -> tuple:
        """A capture's blobs, fields and record hash: everything but its id and ledger hash."""
        fetched, verdict, article_url, reading = job
        base = bases.get(article.id) if article else self._previous_listing(s, fetched.url)

        def blob(name: str, delta_base: str | None = None) -> str | None:
            data, digest = raw[name]
            if data is None:
                return None
            return self.blobs.stage(s, data, digest=digest, base=delta_base, exists=digest in stored)

        response = raw["response"][0]
        digests = {
            "request_sha256": blob("request"),
            "response_sha256": blob("response", base),
            "payload_sha256": hashlib.sha256(fetched.body).hexdigest() if response is not None else None,
            "certificate_sha256": blob("certificate"),
        }
        if response is not None:  # the next capture of this page deltas against this one
            if article:
                bases[article.id] = digests["response_sha256"]
            else:
                self._last_listing[fetched.url] = digests["response_sha256"]
        content = reading.content if reading and article and verdict.outcome is Outcome.OK else None
        if content and reading.suspect and article.current_version_id:
            current = Content.from_json(s.get(Version, article.current_version_id).content)
            content = without_suspect(content, current, reading.suspect)
        # The view count at this moment is evidence too: it is chained with the rest.
        counts = {"views": reading.views, "comments": reading.comments} if reading and content else {}
        meta = {
            k: v
            for k, v in {
                "ip": fetched.ip,
                "redirects": list(fetched.redirects) or None,
                "missing": list(reading.missing_fields) if reading and reading.missing_fields else None,
                "group": reading.group if reading else None,
                "suspect": dict(reading.suspect) if reading and reading.suspect else None,
                "parser": f"{reading.parser}/{reading.parser_version}" if reading else None,
                **fetched.provenance,
            }.items()
            if v is not None
        }
        fields = {
            "kind": fetched.kind,
            "url": fetched.url,
            "final_url": fetched.final_url,
            "fetched_at": fetched.fetched_at,
            "elapsed_ms": fetched.elapsed_ms,
            "status": fetched.status,
            "error": fetched.error,
            "outcome": verdict.outcome.value,
            "reason": verdict.reason[:200],
            "meta": meta,
            "parse_error": reading.parse_error[:500] if reading and reading.parse_error else None,
            "prev_hash": article.head_hash if article else None,
            **digests,
            **counts,
        }
        record_hash = chain.record_hash(
            fields, site=site, article_url=article_url, content_digest=content.digest if content else None
        )
        if article:  # a second capture of the article in this batch chains on this one
            article.head_hash = record_hash
        # Content seen before: the capture is inserted complete. New content makes a
        # version that names this capture as its first, so it is linked after the insert.
        version = None
        if content:
            key = (article.id, content.digest)
            if key not in known:  # the suspect fields changed the digest: not looked up yet
                known[key] = s.scalars(
                    select(Version).where(Version.article_id == article.id, Version.content_hash == content.digest)
                ).one_or_none()
            version = known[key]
        return fields, record_hash, content, version

    def _articles_for(self, s: Session, site_id: int, urls: dict[str, datetime]) -> dict[str, Article]:
        """The batch's articles by URL, locked against other workers, created on first sight."""
        if not urls:
            return {}

        def query():
            q = select(Article).where(Article.site_id == site_id, Article.url.in_(list(urls)))
            return q.with_for_update() if self.store.dialect == "postgresql" else q

        found = {a.url: a for a in s.scalars(query())}
        missing = [u for u in urls if u not in found]
        if missing:  # another worker may add one meanwhile: the unique key decides
            insert_new(
                s,
                Article,
                ["site_id", "url"],
                [
                    {
                        "site_id": site_id,
                        "url": u,
                        "first_seen_at": urls[u],
                        "status": ArticleStatus.UNSEEN,
                        "pending_count": 0,
                        "gone_count": 0,
                        "detected_through": 0,
                    }
                    for u in missing
                ],
            )
            found = {a.url: a for a in s.scalars(query())}
        return found

    def _previous_responses(self, s: Session, article_ids: list[int]) -> dict[int, str]:
        """Each article's latest response blob: the one a new response is most likely a near copy of."""
        if not article_ids:
            return {}
        latest = (
            select(func.max(Capture.id))
            .where(Capture.article_id.in_(article_ids), Capture.response_sha256.is_not(None))
            .group_by(Capture.article_id)
        )
        return dict(s.execute(select(Capture.article_id, Capture.response_sha256).where(Capture.id.in_(latest))).all())

    def _previous_listing(self, s: Session, url: str) -> str | None:
        """A listing's (feed's, sitemap's) latest response blob: its delta base."""
        if url not in self._last_listing:
            self._last_listing[url] = s.scalars(
                select(Capture.response_sha256)
                .where(Capture.url == url, Capture.kind != CaptureKind.ARTICLE, Capture.response_sha256.is_not(None))
                .order_by(Capture.id.desc())
                .limit(1)
            ).first()
        return self._last_listing[url]

    def _known_versions(
        self, s: Session, articles: dict[str, Article], jobs: Sequence[CaptureJob]
    ) -> tuple[dict[tuple[int, str], Version | None], dict[int, int]]:
        """The batch's contents already stored as versions, by (article id, content hash),
        and how many versions each of its articles has."""
        wanted = {
            (articles[j.article_url].id, j.reading.content.digest)
            for j in jobs
            if j.article_url in articles and j.reading and j.reading.content
        }
        if not wanted:
            return {}, {}
        ids = {a for a, _ in wanted}
        rows = s.scalars(
            select(Version).where(Version.article_id.in_(ids), Version.content_hash.in_({d for _, d in wanted}))
        ).all()
        found = {(v.article_id, v.content_hash): v for v in rows}
        seqs = dict(
            s.execute(
                select(Version.article_id, func.count()).where(Version.article_id.in_(ids)).group_by(Version.article_id)
            ).all()
        )
        return {key: found.get(key) for key in wanted}, seqs

    def _article_for(self, s: Session, site_id: int, url: str, now: datetime) -> Article:
        return self._articles_for(s, site_id, {url: now})[url]

    def _ledger_head(self, s: Session) -> str | None:
        """The store-wide ledger head, taking the ledger lock until commit (the protocol:
        ``store.chain``): captures the caller inserts next chain on it, in id order."""
        if self.store.dialect == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK})
        return s.scalars(select(Capture.ledger_hash).order_by(Capture.id.desc()).limit(1)).first()


def _raw(fetched: Fetched) -> dict[str, tuple[bytes | None, str | None]]:
    """A fetch's raw blobs (request, response, certificate) with their SHA-256."""
    blobs = {
        "request": fetched.request_bytes(),
        "response": fetched.response_bytes(),
        "certificate": fetched.certificate_pem or None,
    }
    return {k: (v, hashlib.sha256(v).hexdigest() if v is not None else None) for k, v in blobs.items()}


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
