"""SQLAlchemy 2 typed models: the archive's tables and what each row means.

Captures (with the store-wide ledger hash and the view counts each one read), blobs,
versions, events and runs are append-only: nothing stored as evidence is changed in
place. Three tables hold mutable working state: ``articles`` (schedule, lease, detection
counters — all derivable from the captures), ``alerts`` (the delivery outbox) and
``rate_slots`` (when each site may next be sent a request, shared by every worker).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from changes import ArticleStatus, EventKind, HealthStatus, Outcome
from changes.records import CaptureKind
from changes.times import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only has 64-bit integer primary keys as INTEGER; BigInteger elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Time-zone-aware datetimes stored as UTC; SQLite hands back naive values otherwise."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Digest(TypeDecorator[str]):
    """A SHA-256 digest: 32 raw bytes in the database, 64 hex characters in Python.

    Digests sit in every capture and blob row and in their indexes; raw bytes halve
    them, which is what keeps a views-only recapture under 1 KB.
    """

    impl = LargeBinary(32)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return None if value is None else bytes.fromhex(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        return None if value is None else bytes(value).hex()


class Vocabulary(TypeDecorator[StrEnum]):
    """A ``StrEnum`` column, stored as its plain string (a VARCHAR: no database enum type).

    Writing refuses a word outside the vocabulary; reading hands back the member.
    """

    impl = String
    cache_ok = True

    def __init__(self, words: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.words = words

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else self.words(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.words(value)


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    ABORTED = "aborted"
    """A later run found it dead (its worker gone without finishing)."""


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Claimed by a notifier (a lease: see ``notify.outbox``)."""
    SENT = "sent"
    FAILED = "failed"
    """Given up after too many attempts; ``alerts retry`` requeues it."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """A configured source, as last seen in the config, with its health."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parser: Mapped[str] = mapped_column(String(100))
    health: Mapped[HealthStatus] = mapped_column(Vocabulary(HealthStatus, 20), default=HealthStatus.OK)
    """The verdict of its last finished run."""
    health_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Blob(Base):
    """Raw bytes, content-addressed by the SHA-256 of the uncompressed bytes.

    ``codec`` says how ``data`` restores them: ``zstd`` alone, or ``zstd-delta``
    with the blob ``base_sha256`` as a raw-content dictionary (a near-identical
    recapture then costs tens of bytes). ``depth`` bounds the chain of bases.
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(Digest, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(16))
    base_sha256: Mapped[str | None] = mapped_column(Digest, ForeignKey("blobs.sha256"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Run(Base):
    """One crawl of one site by one worker process."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    worker: Mapped[str] = mapped_column(String(200))
    """``host:pid`` of the process, to tell overlapping runs apart."""
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(Vocabulary(RunStatus, 20), default=RunStatus.RUNNING)
    health: Mapped[HealthStatus | None] = mapped_column(Vocabulary(HealthStatus, 20))
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    software: Mapped[str] = mapped_column(String(200), default="")


class Article(Base):
    """One story, by canonical URL, and its working state.

    Every column after ``first_seen_at`` is a cache of what the captures and events
    say (current version, detection counters) or scheduling state (next check, lease).
    """

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("site_id", "url"),
        Index("ix_articles_due", "site_id", "next_check_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(String(2000))
    site_article_id: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(10))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ArticleStatus] = mapped_column(Vocabulary(ArticleStatus, 20), default=ArticleStatus.UNSEEN)
    # No foreign keys on these two caches: versions already point at articles, and a
    # cycle would complicate every migration for no integrity gain.
    current_version_id: Mapped[int | None] = mapped_column(BigId)
    pending_version_id: Mapped[int | None] = mapped_column(BigId)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_since: Mapped[datetime | None]
    gone_count: Mapped[int] = mapped_column(Integer, default=0)
    gone_since: Mapped[datetime | None]
    head_hash: Mapped[str | None] = mapped_column(Digest)
    """record_hash of the article's latest capture: the next one chains to it."""
    last_capture_at: Mapped[datetime | None]
    detected_through: Mapped[int] = mapped_column(BigId, default=0)
    """Highest capture id already fed to change detection."""
    next_check_at: Mapped[datetime | None]
    lease_run_id: Mapped[int | None] = mapped_column(BigId)
    lease_until: Mapped[datetime | None]


class Capture(Base):
    """One fetch attempt, whatever its outcome, with pointers to its raw evidence.

    Two hash chains run through the captures (see ``store.chain``):

    - per article: ``record_hash`` is the SHA-256 of the capture's canonical record,
      which includes ``prev_hash``, the record_hash of the article's previous capture;
    - store-wide: ``ledger_hash`` chains on the capture with the greatest id before
      this one, in id order, which is commit order (the lock that makes it so: see
      ``store.chain``). The log costs one column, not a table with a row per capture.

    ``views`` and ``comments`` are the volatile numbers the capture read: the article's
    view-count history, which never makes a version (and is not chained: it is read
    again from the response blob, which is). A row is written complete by one INSERT,
    except that a capture showing new content gets its ``version_id`` in the same
    transaction, once the version naming it as first capture is made.
    """

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_article", "article_id", "id"),
        Index("ix_captures_run", "run_id"),
        # Listing pages are delta-compressed against their previous capture: find it
        # by URL. Partial, so the many article captures pay nothing for it.
        Index(
            "ix_captures_listing_url",
            "url",
            sqlite_where=text("kind != 'article'"),
            postgresql_where=text("kind != 'article'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    kind: Mapped[CaptureKind] = mapped_column(Vocabulary(CaptureKind, 10))
    url: Mapped[str] = mapped_column(String(2000))
    """The URL requested."""
    final_url: Mapped[str | None] = mapped_column(String(2000))
    """Where redirects ended, when they did; None when no redirect."""
    fetched_at: Mapped[datetime]
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[int | None] = mapped_column(Integer)
    """HTTP status of the final response; None when no response came."""
    error: Mapped[str | None] = mapped_column(Text)
    """Network error (timeout, DNS, reset) when no response came."""
    outcome: Mapped[Outcome] = mapped_column(Vocabulary(Outcome, 12))
    """See ``changes.outcome``."""
    reason: Mapped[str | None] = mapped_column(String(200))
    """Why the outcome is what it is, e.g. ``http 503`` or ``challenge page``."""
    request_sha256: Mapped[str | None] = mapped_column(Digest, ForeignKey("blobs.sha256"))
    """The HTTP request as sent (request line and headers)."""
    response_sha256: Mapped[str | None] = mapped_column(Digest, ForeignKey("blobs.sha256"))
    """The HTTP response as received (status line, headers, body)."""
    payload_sha256: Mapped[str | None] = mapped_column(Digest)
    """SHA-256 of the body alone (WARC payload digest; revisits share it)."""
    certificate_sha256: Mapped[str | None] = mapped_column(Digest, ForeignKey("blobs.sha256"))
    """The server's TLS certificate (PEM) when the fetch was over HTTPS."""
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Provenance: ip, redirects, user agent, software and parser versions, missing fields."""
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    """The content state this capture showed (ok outcomes only)."""
    parse_error: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str | None] = mapped_column(Digest)
    record_hash: Mapped[str] = mapped_column(Digest)
    ledger_hash: Mapped[str] = mapped_column(Digest)
    """The store-wide chain: SHA-256(previous capture's ledger_hash + record_hash)."""
    views: Mapped[int | None] = mapped_column(BigInteger)
    """View count read from the page (ok captures with content only)."""
    comments: Mapped[int | None] = mapped_column(Integer)
    """Comment count read from the page (ok captures with content only)."""


class Version(Base):
    """One distinct content state of an article (headline, lead, body, dates, author…).

    Created the first time a capture shows that content; later captures showing it
    again point to it. Whether it became the article's confirmed state is told by the
    events, not by this row.
    """

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "content_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    seq: Mapped[int] = mapped_column(Integer)
    """1, 2, … per article, in order of first sight."""
    content_hash: Mapped[str] = mapped_column(Digest)
    content: Mapped[dict[str, Any]]
    """``changes.Content`` as JSON."""
    parser: Mapped[str] = mapped_column(String(100))
    parser_version: Mapped[str] = mapped_column(String(50))
    first_capture_id: Mapped[int] = mapped_column(BigId)
    first_seen_at: Mapped[datetime]


class Event(Base):
    """What a capture (or a run) means: new, edited, reverted, deleted, restored, operator.

    ``details`` holds the change kinds and version ids for edits, the evidence for
    deletions and the figures for operator events. ``change_set`` is the typed change
    between the two versions (``changes.ChangeSet.to_json``), computed once when the
    event is written and read by alerts, ``diff`` and the review UI; None for events
    without two versions, and for edits written before it was stored
    (``store.changesets`` computes those on read).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_article", "article_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    kind: Mapped[EventKind] = mapped_column(Vocabulary(EventKind, 30))
    from_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    to_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    change_set: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """The outbox: one row per (event, destination), written with the event.

    ``destination`` is the destination's name in the config, never its URL (URLs
    carry secrets). The unique pair is the idempotency key: an event reaches one
    destination at most once.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("event_id", "destination"),
        Index("ix_alerts_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    destination: Mapped[str] = mapped_column(String(100))
    status: Mapped[AlertStatus] = mapped_column(Vocabulary(AlertStatus, 12), default=AlertStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateSlot(Base):
    """When a site may next be sent a request, by any worker sharing this store.

    A worker claims the slot (moving it on by the site's delay) before each request
    and waits until the time it claimed; a 429 or 503 answer pushes it further out.
    Seconds since the epoch on the database's clock, so the workers' clocks never matter.
    """

    __tablename__ = "rate_slots"

    site: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


# -- the evidence log (``evidence.log``): signed tree heads over the captures and their
# RFC 3161 timestamps. Append-only, like the captures they cover.


class TreeHead(Base):
    """A signed head of the Merkle log whose leaves are the captures in id order.

    Leaf ``i`` is ``SHA-256(0x00 || record_hash)`` of the ``i``-th capture by id (RFC
    9162 hashing); the head covers the first ``tree_size`` of them, the last being
    ``last_capture_id``. The signature (Ed25519, the installation key) covers
    ``evidence.checker.head_message``. ``frontier`` only caches the roots of the perfect
    subtrees so the next head costs the new captures alone; ``verify`` never trusts it.
    """

    __tablename__ = "tree_heads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[str] = mapped_column(Digest)
    last_capture_id: Mapped[int] = mapped_column(BigId)
    timestamp: Mapped[str] = mapped_column(String(40))
    """When it was signed, ISO 8601 UTC, exactly as signed."""
    origin: Mapped[str] = mapped_column(String(200))
    key_fingerprint: Mapped[str] = mapped_column(Digest)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    frontier: Mapped[list[Any]] = mapped_column(default=list)


class HeadTimestamp(Base):
    """An RFC 3161 token (DER TimeStampResp) from one TSA over a tree head's signed message."""

    __tablename__ = "head_timestamps"
    __table_args__ = (UniqueConstraint("head_id", "tsa"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    head_id: Mapped[int] = mapped_column(ForeignKey("tree_heads.id"))
    tsa: Mapped[str] = mapped_column(String(500))
    """The TSA's URL as configured."""
    token: Mapped[bytes] = mapped_column(LargeBinary)
    gen_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
