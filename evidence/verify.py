"""Recheck the whole store: every blob digest, every record hash and both hash chains.

Captures are read in bounded chunks inside one read transaction (one consistent
snapshot), so memory stays flat however large the store, article by article so that a
recapture's delta base is still in the blob cache when it is restored (``scan``).

What is checked, and the ``check`` name each failure carries:

- ``blob``: a blob restores (delta chain included) to bytes whose SHA-256 is its name
- ``payload``: a capture's payload_sha256 is the SHA-256 of its response body
- ``record``: a capture's record_hash is the hash of its stored fields
- ``chain``: each capture names the record hash of its article's previous capture
  (the first one names none), and the article's head is its last capture
- ``ledger``: the store-wide chain through every capture in id order (``store.chain``
  says how, and why id order is commit order): a removed capture shows as the next
  one not chaining
- ``version``: a version's content has its content hash; its first capture exists
- ``orphan``: a blob no capture refers to (the capture was removed)
- ``run``: a closed run holds at least the captures its statistics counted
- ``head``, ``log``, ``timestamp``: the signed Merkle log (``evidence.logcheck``)
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import except_, func, select
from sqlalchemy.orm import aliased

from changes.content import Content
from evidence.scan import CHUNK, captures_in_order, keyset, snapshot
from httpmsg import split_message
from store import chain
from store.blobs import BlobStore
from store.models import Article, Blob, Capture, Run, RunStatus, Site, Version

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from evidence.settings import LogSettings
    from store.db import Store

logger = logging.getLogger(__name__)

VERIFIED_CACHE = 20_000
"""Blob digests remembered as checked: a request blob is shared by every recapture."""


@dataclass(frozen=True)
class Failure:
    check: str
    subject: str
    """What failed, e.g. ``capture 12``, ``blob 3fa0…``, ``article 7``."""
    message: str
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        text = f"{self.subject}: {self.check}: {self.message}"
        if self.expected is not None or self.found is not None:
            text += f" (expected {self.expected}, found {self.found})"
        return text


@dataclass
class Report:
    checked: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    more_failures: int = 0
    """Failures past ``max_failures``: counted, not kept."""
    max_failures: int = 1000
    notes: list[str] = field(default_factory=list)
    """What was checked against, e.g. the installation key's fingerprint."""

    @property
    def ok(self) -> bool:
        return not self.failures and not self.more_failures

    def fail(self, check: str, subject: str, message: str, expected: Any = None, found: Any = None) -> None:
        if len(self.failures) >= self.max_failures:
            self.more_failures += 1
            return
        self.failures.append(
            Failure(
                check,
                subject,
                message,
                None if expected is None else str(expected),
                None if found is None else str(found),
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": dict(self.checked),
            "failures": [asdict(f) for f in self.failures],
            "more_failures": self.more_failures,
            "notes": self.notes,
        }


def verify(
    store: Store,
    *,
    chunk: int = CHUNK,
    max_failures: int = 1000,
    settings: LogSettings | None = None,
    witnesses: Sequence[dict[str, Any]] = (),
) -> Report:
    """Recompute every digest, both chains and the signed log of ``store``; the report names
    each failure. ``witnesses``: tree heads others kept, checked like the store's own."""
    from evidence.logcheck import check_log
    from evidence.settings import LogSettings

    report = Report(max_failures=max_failures)
    with snapshot(store) as s:
        blobs = _BlobChecker(s, report)
        _check_captures(s, report, blobs, chunk)
        _check_ledger(s, report, chunk)
        _check_versions(s, report, chunk)
        _check_leftovers(s, report, blobs)
        check_log(s, report, settings or LogSettings(), list(witnesses))
    logger.info("verify: %s, %d failures", dict(report.checked), len(report.failures) + report.more_failures)
    return report


class _BlobChecker:
    """Restores blobs through ``BlobStore.get`` and checks their digests, once each."""

    def __init__(self, session: Session, report: Report) -> None:
        self.session, self.report = session, report
        self.blobs = BlobStore()
        self._seen: OrderedDict[str, bool] = OrderedDict()

    def check(self, digest: str, owner: str) -> bytes | None:
        """The blob's bytes when they restore to ``digest``; else None, failure reported."""
        if self._seen.get(digest) is False:
            return None
        try:
            data = self.blobs.get(self.session, digest)
        except KeyError:
            self._fail(digest, owner, "blob is missing")
            return None
        except Exception as exc:
            self._fail(digest, owner, f"blob does not restore ({type(exc).__name__}: {exc})")
            return None
        if digest not in self._seen:
            self.report.checked["blob checks"] += 1
            found = hashlib.sha256(data).hexdigest()
            if found != digest:
                self._fail(digest, owner, "restored bytes have another SHA-256", digest, found)
                return None
            self._remember(digest, True)
        return data

    def _fail(
        self, digest: str, owner: str, message: str, expected: str | None = None, found: str | None = None
    ) -> None:
        if digest not in self._seen:
            self.report.checked["blob checks"] += 1
            blob = self.session.get(Blob, digest)
            base = f" (delta on {blob.base_sha256})" if blob is not None and blob.base_sha256 else ""
            self.report.fail("blob", f"blob {digest}", f"{message}; referenced by {owner}{base}", expected, found)
            self._remember(digest, False)

    def _remember(self, digest: str, ok: bool) -> None:
        self._seen[digest] = ok
        while len(self._seen) > VERIFIED_CACHE:
            self._seen.popitem(last=False)


def verify_article(store: Store, article_id: int, *, max_failures: int = 100) -> Report:
    """One article's share of :func:`verify`: its blobs, record hashes, chain and head,
    and each of its captures' link in the store-wide ledger."""
    report = Report(max_failures=max_failures)
    with snapshot(store) as s:
        _check_captures(s, report, _BlobChecker(s, report), CHUNK, article_id=article_id)
        before = aliased(Capture)
        previous_hash = (
            select(before.ledger_hash)
            .where(before.id < Capture.id)
            .order_by(before.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        own = s.execute(
            select(Capture.id, Capture.record_hash, Capture.ledger_hash, previous_hash)
            .where(Capture.article_id == article_id)
            .order_by(Capture.id)
        ).all()
        for capture_id, record_hash, stored, previous in own:
            report.checked["ledger"] += 1
            previous = bytes(previous).hex() if isinstance(previous, bytes | memoryview) else previous
            expected = chain.ledger_hash(previous, record_hash)
            if expected != stored:
                report.fail(
                    "ledger",
                    f"capture {capture_id}",
                    "ledger_hash does not chain on the previous "
                    "capture's: a capture at or before it was removed, altered or reordered",
                    expected,
                    stored,
                )
    return report


def _check_captures(s: Session, report: Report, blobs: _BlobChecker, chunk: int, article_id: int | None = None) -> None:
    base = (
        select(Capture, Site.name, Article.url, Article.head_hash, Version.content_hash)
        .outerjoin(Site, Site.id == Capture.site_id)
        .outerjoin(Article, Article.id == Capture.article_id)
        .outerjoin(Version, Version.id == Capture.version_id)
    )
    if article_id is not None:
        base = base.where(Capture.article_id == article_id)
    article, previous, head = None, None, None
    for capture, site, url, head_hash, content_hash in captures_in_order(s, base, chunk):
        if capture.article_id is not None and capture.article_id != article:
            _check_head(report, article, head, previous)
            article, previous, head = capture.article_id, None, head_hash
            if url is None:
                report.fail("chain", f"capture {capture.id}", f"its article {article} is missing")
        if capture.article_id is None:
            expected_prev, where = None, "a capture of no article"
        else:
            expected_prev = previous.record_hash if previous else None
            where = f"the article's previous capture is {previous.id}" if previous else "its article's first"
        if capture.prev_hash != expected_prev:
            report.fail(
                "chain",
                f"capture {capture.id}",
                f"prev_hash does not name the capture before it ({where}): "
                "a capture between them was removed, altered or reordered",
                expected_prev,
                capture.prev_hash,
            )
        _check_capture(report, blobs, capture, site, url, content_hash)
        if capture.article_id is not None:
            previous = capture
    _check_head(report, article, head, previous)


def _check_head(report: Report, article: int | None, head: str | None, last: Capture | None) -> None:
    if article is None or last is None:
        return
    report.checked["articles"] += 1
    if head != last.record_hash:
        report.fail(
            "chain",
            f"article {article}",
            f"its head hash is not the record hash of its last capture {last.id}: a later capture was removed",
            head,
            last.record_hash,
        )


def _check_capture(
    report: Report,
    blobs: _BlobChecker,
    capture: Capture,
    site: str | None,
    article_url: str | None,
    content_hash: str | None,
) -> None:
    report.checked["captures"] += 1
    subject = f"capture {capture.id}"
    for column in ("request_sha256", "certificate_sha256"):
        if getattr(capture, column):
            blobs.check(getattr(capture, column), f"{subject} {column}")
    if capture.response_sha256:
        response = blobs.check(capture.response_sha256, f"{subject} response_sha256")
        if response is not None:
            body = split_message(response)[1]
            found = hashlib.sha256(body).hexdigest()
            if found != capture.payload_sha256:
                report.fail(
                    "payload",
                    subject,
                    "payload_sha256 is not the digest of the response body",
                    found,
                    capture.payload_sha256,
                )
    elif capture.payload_sha256:
        report.fail("payload", subject, "a payload digest without a response", None, capture.payload_sha256)
    if capture.version_id is not None and content_hash is None:
        report.fail("version", subject, f"its version {capture.version_id} is missing")
    if site is None:
        report.fail("record", subject, f"its site {capture.site_id} is missing")
        return
    fields = {name: getattr(capture, name) for name in chain.CHAINED_FIELDS}
    # The writer hashes the content digest exactly when it makes or reuses a version;
    # versions are checked against their content separately (_check_versions).
    expected = chain.record_hash(fields, site=site, article_url=article_url, content_digest=content_hash)
    if expected != capture.record_hash:
        report.fail(
            "record",
            subject,
            "record_hash does not match the stored fields: the capture was altered",
            expected,
            capture.record_hash,
        )


def _check_ledger(s: Session, report: Report, chunk: int) -> None:
    def query(bound: Any) -> Select:
        q = select(Capture.id, Capture.record_hash, Capture.ledger_hash)
        return (q.where(Capture.id > bound) if bound is not None else q).order_by(Capture.id)

    previous, last_id = None, 0
    for capture_id, record_hash, stored in keyset(s, query, lambda r: r[0], chunk):
        report.checked["ledger"] += 1
        expected = chain.ledger_hash(previous, record_hash)
        if expected != stored:
            # A gap alone proves nothing (a rolled-back transaction spends a sequence
            # number on PostgreSQL), but next to a break it says where to look.
            gap = f"; captures {last_id + 1}..{capture_id - 1} absent" if capture_id > last_id + 1 else ""
            report.fail(
                "ledger",
                f"capture {capture_id}",
                f"ledger_hash does not chain on the previous capture's{gap}: a capture at or before "
                "it was removed, altered or reordered",
                expected,
                stored,
            )
        previous, last_id = stored, capture_id  # go on from the stored hash: one break is reported once


def _check_versions(s: Session, report: Report, chunk: int) -> None:
    def query(bound: Any) -> Select:
        q = select(
            Version.id, Version.content, Version.content_hash, Version.first_capture_id, Capture.version_id
        ).outerjoin(Capture, Capture.id == Version.first_capture_id)
        return (q.where(Version.id > bound) if bound is not None else q).order_by(Version.id)

    for version_id, content, content_hash, first_capture, shown in keyset(s, query, lambda r: r[0], chunk):
        report.checked["versions"] += 1
        subject = f"version {version_id}"
        digest = Content.from_json(content).digest
        if digest != content_hash:
            report.fail("version", subject, "content does not match its content hash", content_hash, digest)
        if shown != version_id:
            report.fail(
                "version",
                subject,
                f"its first capture {first_capture} is missing or shows another version",
                version_id,
                shown,
            )


def _check_leftovers(s: Session, report: Report, blobs: _BlobChecker) -> None:
    """Blobs no capture refers to, heads with no captures, runs short of captures."""
    referenced = [
        select(getattr(Capture, c)).where(getattr(Capture, c).is_not(None))
        for c in ("request_sha256", "response_sha256", "certificate_sha256")
    ]
    orphans = except_(select(Blob.sha256), *referenced)
    for (digest,) in s.execute(orphans, execution_options={"yield_per": CHUNK}):
        report.fail("orphan", f"blob {digest}", "no capture refers to it: its capture was removed")
        blobs.check(digest, "no capture")
    headless = select(Article.id, Article.head_hash).where(
        Article.head_hash.is_not(None), ~select(Capture.id).where(Capture.article_id == Article.id).exists()
    )
    for article_id, head in s.execute(headless, execution_options={"yield_per": CHUNK}):
        report.fail("chain", f"article {article_id}", "has a head hash but no captures: they were removed", None, head)
    per_run = select(Capture.run_id, func.count().label("n")).group_by(Capture.run_id).subquery()
    counts = (
        select(Run.id, Run.stats, func.coalesce(per_run.c.n, 0))
        .outerjoin(per_run, per_run.c.run_id == Run.id)
        .where(Run.status != RunStatus.RUNNING)
    )
    for run_id, stats, found in s.execute(counts):
        if not isinstance(stats, dict) or "pages" not in stats:
            continue  # a run closed before it counted anything
        expected = int(stats.get("pages", 0)) + int(stats.get("listings", 0))
        report.checked["runs"] += 1
        # Only fewer is evidence: a run wrongly taken for dead may still add captures
        # after it was closed (and each of those is checked by the chains anyway).
        if found < expected:
            report.fail(
                "run",
                f"run {run_id}",
                "holds fewer captures than its statistics counted: some were removed",
                expected,
                found,
            )
