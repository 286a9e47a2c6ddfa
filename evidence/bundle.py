"""An article's evidence bundle: its WARC plus a JSON manifest of versions, events and hashes.

The manifest lets a reader check the bundle without the store: each capture's record
(in its WARC metadata record) hashes to its ``record_hash``; each names the previous
one's in ``prev_hash``; the WARC file hashes to ``warc.sha256``; each capture's
``ledger`` entry places it in the store-wide chain, which runs through all captures in
id (commit) order: ``seq`` is the capture id, ``hash`` its ledger_hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from evidence.scan import snapshot
from evidence.warc import EvidenceError, export_warc
from store.models import Article, Capture, Event, Site, Version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.db import Store

logger = logging.getLogger(__name__)

FORMAT = "palimpsest-evidence-bundle/1"
CAPTURE_FIELDS = (
    "id",
    "kind",
    "url",
    "final_url",
    "fetched_at",
    "status",
    "error",
    "outcome",
    "reason",
    "version_id",
    "parse_error",
    "request_sha256",
    "response_sha256",
    "payload_sha256",
    "certificate_sha256",
    "prev_hash",
    "record_hash",
)


@dataclass(frozen=True)
class Bundle:
    warc: Path
    manifest: Path
    captures: int
    chain_ok: bool


def export_bundle(store: Store, article_url: str, out_dir: str | Path, *, site: str | None = None) -> Bundle:
    """Write ``<slug>.warc.gz`` and ``<slug>.manifest.json`` for one article into ``out_dir``."""
    out = Path(out_dir)
    slug = slugify(article_url)
    records: dict[int, dict[str, str]] = {}
    with snapshot(store) as s:
        site = _site_of(s, article_url, site)
    summary = export_warc(
        store,
        out / f"{slug}.warc.gz",
        article_url=article_url,
        site=site,
        on_capture=lambda capture_id, ids: records.__setitem__(capture_id, ids),
    )
    with snapshot(store) as s:
        manifest = _manifest(s, article_url, site, records)
    manifest["warc"] = {
        "file": summary.path.name,
        "sha256": summary.sha256,
        "size": summary.size,
        "records": dict(summary.records),
    }
    path = out / f"{slug}.manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=_json_default) + "\n", encoding="utf-8")
    logger.info("bundle for %s: %s, %s", article_url, summary.path, path)
    return Bundle(summary.path, path, len(manifest["captures"]), manifest["chain"]["ok"])


def slugify(url: str) -> str:
    """A file-name-safe, recognisable and unique name for ``url``."""
    readable = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"^[a-z]+://", "", url)).strip("-")[:80]
    return f"{readable}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def _site_of(s: Session, article_url: str, site: str | None) -> str:
    """The site of the one article at ``article_url`` (two sites may list one URL)."""
    query = select(Site.name).join(Article, Article.site_id == Site.id).where(Article.url == article_url)
    found = s.scalars(query.where(Site.name == site) if site is not None else query).all()
    if len(found) != 1:
        raise EvidenceError(
            f"no article {article_url}"
            if not found
            else f"{len(found)} sites have an article at {article_url}: name the site"
        )
    return found[0]


def _manifest(s: Session, article_url: str, site: str, records: dict[int, dict[str, str]]) -> dict:
    article, site_name = s.execute(
        select(Article, Site.name)
        .join(Site, Site.id == Article.site_id)
        .where(Article.url == article_url, Site.name == site)
    ).one()
    # The WARC was read in its own snapshot: describe exactly the captures it holds.
    last = max(records, default=0)
    versions = s.scalars(
        select(Version).where(Version.article_id == article.id, Version.first_capture_id <= last).order_by(Version.seq)
    ).all()
    events = s.scalars(
        select(Event)
        .where(Event.article_id == article.id, or_(Event.capture_id.is_(None), Event.capture_id <= last))
        .order_by(Event.id)
    ).all()
    rows = s.scalars(
        select(Capture).where(Capture.article_id == article.id, Capture.id <= last).order_by(Capture.id)
    ).all()
    later = s.scalar(select(Capture.id).where(Capture.article_id == article.id, Capture.id > last).limit(1))
    captures, breaks, previous = [], [], None
    for capture in rows:
        if capture.prev_hash != previous:
            breaks.append({"capture_id": capture.id, "expected_prev_hash": previous, "found": capture.prev_hash})
        previous = capture.record_hash
        entry = {name: getattr(capture, name) for name in CAPTURE_FIELDS}
        entry.update(
            parser=(capture.meta or {}).get("parser"),
            ledger={"seq": capture.id, "hash": capture.ledger_hash},
            warc_records=records.get(capture.id, {}),
        )
        captures.append(entry)
    if later is None and previous != article.head_hash:
        breaks.append({"article_head": article.head_hash, "last_record_hash": previous})
    return {
        "format": FORMAT,
        "generated_at": datetime.now(UTC),
        "article": {
            "id": article.id,
            "site": site_name,
            "url": article.url,
            "site_article_id": article.site_article_id,
            "language": article.language,
            "first_seen_at": article.first_seen_at,
            "status": article.status,
            "current_version_id": article.current_version_id,
            "head_hash": article.head_hash,
        },
        "versions": [
            {
                "id": v.id,
                "seq": v.seq,
                "content_hash": v.content_hash,
                "parser": v.parser,
                "parser_version": v.parser_version,
                "first_capture_id": v.first_capture_id,
                "first_seen_at": v.first_seen_at,
                "content": v.content,
            }
            for v in versions
        ],
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "capture_id": e.capture_id,
                "run_id": e.run_id,
                "from_version_id": e.from_version_id,
                "to_version_id": e.to_version_id,
                "details": e.details,
                "created_at": e.created_at,
            }
            for e in events
        ],
        "captures": captures,
        "chain": {
            "ok": not breaks,
            "breaks": breaks,
            "how_to_check": "record_hash = SHA-256 of the canonical JSON (sorted keys, no spaces, "
            "UTF-8) of the 'record' object in the capture's WARC metadata record; "
            "each prev_hash is the previous capture's record_hash; "
            "ledger hash = SHA-256(previous ledger hash + record_hash), the previous "
            "being that of the capture with the greatest id (ledger seq) before it "
            "in the whole store",
        },
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
