"""The evidence log: a Merkle tree (RFC 9162) over every capture, with signed tree heads.

Leaf ``i`` is ``SHA-256(0x00 || record_hash)`` of the ``i``-th capture in id order —
the order the writer commits them in (``store.chain``) — so the log is append-only by
construction and costs no table of leaves. After each run :func:`publish_head` signs a
head (size, root, time) with the installation key, stores it, appends it to the heads
file and asks the configured TSAs to timestamp it. Heads leave the installation in
every alert footer and the Atom feed (:func:`latest_head_text`): once one is out,
removing or rewriting any capture it covers, the newest included, shows.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from evidence import keys
from evidence.checker import HEAD_FORMAT, head_message, leaf_hash
from evidence.merkle import Frontier, consistency_proof, inclusion_path
from evidence.scan import keyset, snapshot
from store.models import Article, Capture, HeadTimestamp, Site, TreeHead, Version

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.orm import Session

    from evidence.settings import LogSettings
    from store.db import Store

logger = logging.getLogger(__name__)

PROOF_FORMAT = "palimpsest-proof/1"


class LogError(Exception):
    """A proof cannot be made (no such capture, no head covers it yet); one line for the user."""


def publish_head(store: Store, settings: LogSettings, *, now: datetime | None = None) -> dict[str, Any] | None:
    """Sign, store and share a head over every capture so far; then timestamp what is due.

    Called once when a run (or a batch of runs) finishes. Returns the head as JSON, or
    None for an empty store. Never raises for a TSA: one that fails is asked again next
    time (``evidence.tsa``).
    """
    key = keys.load_or_create(settings.key_path)
    head = _sign_next(store, key, now or datetime.now(UTC))
    if head is not None and settings.heads_file is not None:
        append_heads_file(settings.heads_file, head)
    if settings.tsa_urls:
        from evidence.tsa import stamp_pending

        stamp_pending(store, settings)
    return head


def _sign_next(store: Store, key: keys.SigningKey, now: datetime) -> dict[str, Any] | None:
    """The new head over the captures since the last one; None when there are none."""
    try:
        with store.session() as s:
            last = s.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()
            frontier = Frontier(last.tree_size, [bytes.fromhex(h) for h in last.frontier]) if last else Frontier()
            last_id = last.last_capture_id if last else 0
            for capture_id, record_hash in _leaves(s, last_id):
                frontier.append(leaf_hash(bytes.fromhex(record_hash)))
                last_id = capture_id
            if frontier.size == (last.tree_size if last else 0):
                return None
            row = TreeHead(
                tree_size=frontier.size,
                root_hash=frontier.root().hex(),
                last_capture_id=last_id,
                timestamp=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                origin=key.origin,
                key_fingerprint=key.fingerprint,
                signature=b"",
                frontier=[h.hex() for h in frontier.hashes],
            )
            row.signature = key.sign(head_message(_fields(row)))
            s.add(row)
            s.flush()
            head = head_json(row, key.public_b64)
    except IntegrityError:  # an overlapping run signed this very size first: its head stands
        logger.info("a tree head of this size was signed by another process")
        return None
    logger.info("signed tree head: %d captures, root %s", head["tree_size"], head["root_hash"])
    return head


def _leaves(s: Session, after: int) -> Iterator[tuple[int, str]]:
    def query(bound: Any) -> Any:
        return (
            select(Capture.id, Capture.record_hash)
            .where(Capture.id > (after if bound is None else bound))
            .order_by(Capture.id)
        )

    yield from keyset(s, query, lambda row: row[0], 10_000)


def leaf_hashes(s: Session, size: int) -> list[bytes]:
    """The first ``size`` leaves of the log (RFC 9162 leaf hashes)."""
    rows = s.scalars(select(Capture.record_hash).order_by(Capture.id).limit(size)).all()
    return [leaf_hash(bytes.fromhex(h)) for h in rows]


def capture_record(s: Session, capture: Capture) -> dict[str, Any]:
    """The capture's chained record, as ``store.chain.record_hash`` hashes it."""
    from evidence.warc import chained_record

    site = s.scalar(select(Site.name).where(Site.id == capture.site_id))
    url = s.scalar(select(Article.url).where(Article.id == capture.article_id)) if capture.article_id else None
    digest = (
        s.scalar(select(Version.content_hash).where(Version.id == capture.version_id)) if capture.version_id else None
    )
    return chained_record(capture, site, url, digest)


def _fields(row: TreeHead) -> dict[str, Any]:
    return {"origin": row.origin, "tree_size": row.tree_size, "root_hash": row.root_hash, "timestamp": row.timestamp}


def head_json(row: TreeHead, public_b64: str | None = None) -> dict[str, Any]:
    """A stored head as the self-describing JSON that is shared and that the checker reads."""
    return {
        "format": HEAD_FORMAT,
        **_fields(row),
        "key_fingerprint": row.key_fingerprint,
        "public_key": public_b64,
        "signature": base64.b64encode(row.signature).decode("ascii"),
    }


def latest_head(store: Store) -> dict[str, Any] | None:
    """The newest signed head (JSON, with its public key when the key is at hand), or None."""
    with store.reader() as s:
        row = s.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()
        return None if row is None else head_json(row)


def latest_head_text(store: Store) -> str | None:
    """One line naming the newest head, for alert footers and the Atom feed (witness copies).

    ``palimpsest verify --head FILE`` checks a store against a line a reader kept.
    """
    from store.queries import latest_head_line

    with store.reader() as s:
        return latest_head_line(s)


# The line ``store.queries.latest_head_line`` writes.
_TEXT = re.compile(
    r"Tree head (?P<origin>\S+): (?P<tree_size>\d+) captures, root (?P<root_hash>[0-9a-f]{64}), "
    r"signed (?P<timestamp>\S+), sig (?P<signature>[A-Za-z0-9+/=]+)"
)


def parse_heads(text: str) -> list[dict[str, Any]]:
    """Heads in a file someone kept: JSON (one object or one per line) or footer lines."""
    text = text.strip()
    try:
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    except ValueError:
        pass
    heads = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            heads.append(json.loads(line))
        elif (match := _TEXT.search(line)) is not None:
            heads.append({"format": HEAD_FORMAT, **match.groupdict(), "tree_size": int(match["tree_size"])})
    return heads


def append_heads_file(path: Path, head: dict[str, Any]) -> None:
    """Append one head as a JSON line; a lock keeps overlapping runs' lines whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(json.dumps(head, sort_keys=True) + "\n")


def read_heads_file(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.exists():
        return []
    return parse_heads(path.read_text(encoding="utf-8"))


# -- proofs ---------------------------------------------------------------------------------


def prove(
    store: Store, capture_id: int, settings: LogSettings, *, kept: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A self-contained proof that capture ``capture_id`` is in the log (``evidence.checker``).

    Against the first head that covers it (its timestamps date the capture) and, by a
    consistency proof, the newest head; plus one to each ``kept`` head (a witness copy).
    """
    key = keys.public_key(settings.key_path)
    public_b64 = None if key is None else base64.b64encode(key.public_bytes_raw()).decode("ascii")
    with snapshot(store) as s:
        capture = s.get(Capture, capture_id)
        if capture is None:
            raise LogError(f"no capture {capture_id}")
        index = s.scalar(select(func.count()).where(Capture.id < capture_id))
        first = s.scalars(
            select(TreeHead).where(TreeHead.tree_size > index).order_by(TreeHead.tree_size).limit(1)
        ).first()
        newest = s.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()
        if first is None:
            raise LogError(f"capture {capture_id} is newer than the latest tree head: the next run's head covers it")
        leaves = leaf_hashes(s, newest.tree_size)
        record = capture_record(s, capture)
        stamps = s.scalars(
            select(HeadTimestamp).where(HeadTimestamp.head_id == first.id).order_by(HeadTimestamp.id)
        ).all()
        meta = capture.meta or {}
        proof = {
            "format": PROOF_FORMAT,
            "capture": {
                "id": capture.id,
                "url": capture.url,
                "final_url": capture.final_url,
                "fetched_at": capture.fetched_at.astimezone(UTC).isoformat(),
                "status": capture.status,
                "outcome": capture.outcome,
                "ip": meta.get("ip"),
                "response_sha256": capture.response_sha256,
                "payload_sha256": capture.payload_sha256,
                "certificate_sha256": capture.certificate_sha256,
            },
            "record": record,
            "record_hash": capture.record_hash,
            "leaf_index": index,
            "tree_head": head_json(first, public_b64),
            "inclusion_path": [h.hex() for h in inclusion_path(index, leaves[: first.tree_size])],
            "timestamps": [
                {"tsa": t.tsa, "gen_time": t.gen_time.isoformat(), "token": base64.b64encode(t.token).decode("ascii")}
                for t in stamps
            ],
            "latest_head": head_json(newest, public_b64),
            "consistency": {},
        }
    for head in [proof["latest_head"], *(kept or [])]:
        size = int(head["tree_size"])
        if first.tree_size < size <= len(leaves):
            proof["consistency"][str(size)] = [h.hex() for h in consistency_proof(first.tree_size, leaves[:size])]
    proof["how_to_verify"] = HOW_TO_VERIFY
    return proof


HOW_TO_VERIFY = (
    "python checker.py proof.json --key FINGERPRINT (checker.py ships with Palimpsest as evidence/checker.py; "
    "needs only Python and the cryptography package). By hand: (1) record_hash = SHA-256 of the canonical "
    "JSON of 'record' (sorted keys, separators ',' ':', UTF-8); (2) leaf = SHA-256(0x00 || record_hash bytes); "
    "(3) fold 'inclusion_path' from the leaf as RFC 9162 section 2.1.3.2 says, with node = SHA-256(0x01 || "
    "left || right): the result is tree_head.root_hash; (4) the Ed25519 signature (base64) verifies with "
    "public_key over the UTF-8 text 'palimpsest-tree-head/1\\n' + origin + '\\n' + tree_size + '\\n' + "
    "root_hash + '\\n' + timestamp + '\\n', and SHA-256(public_key bytes) is the installation's published "
    "fingerprint; (5) each RFC 3161 token in 'timestamps' is over SHA-256 of that same text: "
    "openssl ts -verify -digest HEX -in token.tsr -CAfile TSA-CA.pem; (6) 'consistency' proves, per RFC 9162 "
    "section 2.1.4.2, that the head's tree is a prefix of each later head listed (latest_head included). "
    "The capture's response bytes (in the WARC export) hash to record.response_sha256."
)
