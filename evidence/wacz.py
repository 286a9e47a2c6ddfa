"""WACZ 1.1 bundles (a zip replay tools open): the WARC, its CDXJ index, pages, proofs, a signature.

Layout, as the WACZ spec and ``wacz validate`` expect, every file listed with its SHA-256
in ``datapackage.json``:

- ``archive/data.warc.gz``: ``evidence.warc``'s export, stored (not deflated) so that
  replay tools can seek into it;
- ``indexes/index.cdx.gz``: its CDXJ index, by cdxj-indexer (the reference indexer);
- ``pages/pages.jsonl``: one page per version first seen, and per deletion seen;
- ``evidence/proofs.jsonl``: a ``palimpsest proof`` for each capture a tree head covers,
  ``evidence/checker.py`` to check them offline, and ``evidence/heads.jsonl``.

``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json`` and ``signedData``
as in the WACZ signing recommendation, except that the signature is the installation's
Ed25519 key over the ``hash`` string (the recommendation's anonymous form uses ECDSA
P-256), with ``publicKey`` the raw 32 bytes, base64, and the key's fingerprint.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from evidence import checker, keys
from evidence.log import LogError, head_json, prove
from evidence.scan import snapshot
from evidence.warc import export_warc
from store.models import Article, Capture, TreeHead, Version

if TYPE_CHECKING:
    from evidence.settings import LogSettings
    from store.db import Store

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"


@dataclass(frozen=True)
class WaczSummary:
    path: Path
    captures: int
    pages: int
    proofs: int
    sha256: str


def export_wacz(
    store: Store,
    out_path: str | Path,
    settings: LogSettings,
    *,
    article_url: str | None = None,
    site: str | None = None,
    title: str | None = None,
) -> WaczSummary:
    """Write the captures in scope (all, a site's, an article's) as one signed WACZ file."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    key = keys.load_or_create(settings.key_path)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ids: list[int] = []
        summary = export_warc(
            store,
            work / WARC_NAME,
            article_url=article_url,
            site=site,
            on_capture=lambda capture_id, _records: ids.append(capture_id),
        )
        files: dict[str, bytes | Path] = {
            "archive/" + WARC_NAME: summary.path,
            "indexes/index.cdx.gz": gzip.compress(_cdxj(summary.path).encode("utf-8"), mtime=0),
        }
        pages, main = _pages(store, ids)
        files["pages/pages.jsonl"] = _jsonl([{"format": "json-pages-1.0", "id": "pages", "title": "Pages"}, *pages])
        proofs = _proofs(store, ids, settings)
        heads = _heads(store, key)
        if proofs:  # an empty JSON-lines file is no valid data-package resource
            files["evidence/proofs.jsonl"] = _jsonl(proofs)
        if heads:
            files["evidence/heads.jsonl"] = _jsonl(heads)
        files["evidence/checker.py"] = Path(checker.__file__)
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        package = _datapackage(
            files, created, title or f"Palimpsest evidence: {article_url or site or 'archive'}", main
        )
        digest = "sha256:" + hashlib.sha256(package).hexdigest()
        signed = {
            "hash": digest,
            "created": created,
            "software": _software(),
            "keyType": "Ed25519",
            "publicKey": key.public_b64,
            "keyFingerprint": key.fingerprint,
            "signature": base64.b64encode(key.sign(digest.encode("ascii"))).decode("ascii"),
        }
        part = out.with_name(out.name + ".part")
        with zipfile.ZipFile(part, "w") as bundle:
            for name, data in files.items():
                _add(bundle, name, data)
            _add(bundle, "datapackage.json", package, deflate=True)
            _add(
                bundle,
                "datapackage-digest.json",
                json.dumps({"path": "datapackage.json", "hash": digest, "signedData": signed}, indent=2).encode(),
                deflate=True,
            )
        part.replace(out)
    logger.info("WACZ %s: %d captures, %d pages, %d proofs", out, summary.captures, len(pages), len(proofs))
    return WaczSummary(out, summary.captures, len(pages), len(proofs), hashlib.sha256(out.read_bytes()).hexdigest())


def verify_signature(digest_json: dict[str, Any], package: bytes, fingerprint: str | None = None) -> None:
    """Raise ``checker.ProofError`` unless ``datapackage.json`` has the signed hash and the
    signature verifies with the key (of ``fingerprint``, when given)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signed = digest_json["signedData"]
    if "sha256:" + hashlib.sha256(package).hexdigest() != digest_json["hash"] or signed["hash"] != digest_json["hash"]:
        raise checker.ProofError("datapackage.json does not have the signed hash: the bundle was changed")
    raw = base64.b64decode(signed["publicKey"])
    if fingerprint is not None and checker.key_fingerprint(raw) != fingerprint:
        raise checker.ProofError(f"signed by key {checker.key_fingerprint(raw)}, not by {fingerprint}")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(signed["signature"]), signed["hash"].encode("ascii")
        )
    except InvalidSignature:
        raise checker.ProofError("the bundle's signature does not verify") from None


def _cdxj(warc: Path) -> str:
    """The WARC's CDXJ index, sorted, from cdxj-indexer (what py-wacz and pywb use)."""
    from io import StringIO

    from cdxj_indexer.main import CDXJIndexer

    class _Kept(StringIO):
        def close(self) -> None:  # the indexer closes its output; keep what it wrote
            self.text = self.getvalue()
            super().close()

    output = _Kept()
    CDXJIndexer(output=output, inputs=[str(warc)], sort=True).process_all()
    return getattr(output, "text", None) or output.getvalue()


def _pages(store: Store, ids: list[int]) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """A page per version first seen and per gone capture, for replay tools' page lists."""
    pages: list[dict[str, Any]] = []
    wanted = set(ids)
    with snapshot(store) as s:
        rows = s.execute(
            select(
                Capture.id,
                Capture.url,
                Capture.final_url,
                Capture.fetched_at,
                Capture.outcome,
                Capture.status,
                Version.content,
                Version.first_capture_id,
            )
            .join(Article, Article.id == Capture.article_id)
            .outerjoin(Version, Version.id == Capture.version_id)
            .where(Capture.response_sha256.is_not(None))
            .order_by(Capture.id)
        ).all()
    for capture_id, url, final_url, fetched_at, outcome, status, content, first in rows:
        if capture_id not in wanted or not (first == capture_id or outcome == "gone"):
            continue
        headline = (content or {}).get("headline") or f"HTTP {status} ({outcome})"
        pages.append(
            {
                "id": f"capture-{capture_id}",
                "url": final_url or url,
                "ts": fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "title": headline,
            }
        )
    main = (pages[-1]["url"], pages[-1]["ts"]) if pages else None
    return pages, main


def _proofs(store: Store, ids: list[int], settings: LogSettings) -> list[dict[str, Any]]:
    proofs = []
    for capture_id in ids:
        try:
            proofs.append(prove(store, capture_id, settings))
        except LogError:  # newer than the latest head: the next run's head covers it
            continue
    return proofs


def _heads(store: Store, key: keys.SigningKey) -> list[dict[str, Any]]:
    with store.reader() as s:
        return [head_json(h, key.public_b64) for h in s.scalars(select(TreeHead).order_by(TreeHead.tree_size))]


def _datapackage(files: dict[str, bytes | Path], created: str, title: str, main: tuple[str, str] | None) -> bytes:
    resources = []
    for name, data in files.items():
        digest, size = _digest(data)
        resources.append({"name": Path(name).name.lower(), "path": name, "hash": f"sha256:{digest}", "bytes": size})
    package: dict[str, Any] = {
        "profile": "data-package",
        "resources": resources,
        "title": title,
        "created": created,
        "wacz_version": WACZ_VERSION,
        "software": _software(),
    }
    if main is not None:
        package["mainPageURL"], package["mainPageDate"] = main
    return json.dumps(package, indent=2).encode("utf-8")


def _digest(data: bytes | Path) -> tuple[str, int]:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data)
    sha, size = hashlib.sha256(), 0
    with data.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _add(bundle: zipfile.ZipFile, name: str, data: bytes | Path, *, deflate: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with bundle.open(info, "w", force_zip64=isinstance(data, Path)) as out:
        if isinstance(data, bytes):
            out.write(data)
        else:
            with data.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)


def _jsonl(items: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n" for item in items).encode("utf-8")


def _software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"palimpsest {version('palimpsest')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "palimpsest dev"
