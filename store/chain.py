"""Hash chains over captures: per article, and across the whole store.

The record hash covers every evidential column of a capture and the record hash of
the article's previous capture, so that changing, removing or reordering one breaks
the chain. ``palimpsest verify`` recomputes both chains with these functions.

The store-wide chain (the ledger) runs through every capture in id order, and is kept
in the capture row itself: ``captures.ledger_hash`` = ``ledger_hash(ledger_hash of the
capture with the greatest id before it, its record_hash)``, the first capture chaining
on ``GENESIS``. Id order is commit order because the writer (``store.writer``) reads the
previous head and inserts the capture, drawing its id, under one lock: a PostgreSQL
advisory transaction lock (``LEDGER_LOCK``) taken after the blobs are written, or the
SQLite write lock of the writer's ``BEGIN IMMEDIATE``. Two captures never chain on the
same head, and a capture committed later always has the greater id. A removed capture
then shows as the next one not chaining; ids skipped by rolled-back transactions
(PostgreSQL sequences) are harmless, since the chain follows the ids that exist.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "kind",
    "url",
    "final_url",
    "fetched_at",
    "elapsed_ms",
    "status",
    "error",
    "outcome",
    "reason",
    "request_sha256",
    "response_sha256",
    "payload_sha256",
    "certificate_sha256",
    "meta",
    "parse_error",
    "views",
    "comments",
    "prev_hash",
)


def record_hash(fields: dict[str, Any], *, site: str, article_url: str | None, content_digest: str | None) -> str:
    """SHA-256 of a capture's canonical record (``fields`` as in ``CHAINED_FIELDS``)."""
    record = {name: fields.get(name) for name in CHAINED_FIELDS}
    record["fetched_at"] = fields["fetched_at"].astimezone(UTC).isoformat()
    record.update(site=site, article_url=article_url, content_digest=content_digest)
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ledger_hash(previous: str | None, capture_record_hash: str) -> str:
    """The next store-wide log hash after ``previous``."""
    return hashlib.sha256(f"{previous or GENESIS}{capture_record_hash}".encode()).hexdigest()
