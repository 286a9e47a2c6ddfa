"""Export captures as a WARC 1.1 file (warcio): request, response, revisit and metadata records.

Per capture, in article order (see ``evidence.scan``):

- ``response``: the stored HTTP response. Its payload is the stored body byte for
  byte; its head is the stored head byte for byte, except that lines misdescribing the
  body are renamed ``X-Archive-Orig-…`` (``httpmsg.replayable_head``): Scrapy
  stores bodies already decompressed and de-chunked, so ``Content-Encoding: gzip`` or
  ``Transfer-Encoding: chunked`` over an identity body would make readers and replay
  tools fail. The renames are listed in the metadata record (``http_rewrites``); when
  nothing is renamed the WARC block is the stored blob and its block digest is the
  capture's ``response_sha256``.
- ``revisit`` (profile identical-payload-digest) instead, when a response with the same
  non-empty payload was already written to this file; it refers to that record.
- ``request``: the stored request head.
- ``metadata`` (``application/json``): provenance and the capture's chained record, whose
  canonical JSON hashes to ``record_hash`` (``store.chain``), with its place in the
  store-wide chain: ``ledger`` = {``seq``: the capture id (the chain runs through all
  captures in id order), ``hash``: its ledger_hash}.
  A failed fetch (no response, e.g. a timeout) gets its request and metadata records.

The target URI of a response is where redirects ended (``final_url``); the request
record keeps the URL asked for. Digests are SHA-256, base32, as warcio writes them.
Records stream to a ``.part`` file renamed at the end: one response in memory at a time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from evidence.scan import captures_in_order, snapshot
from httpmsg import replayable_head, split_message
from store import chain
from store.blobs import BlobStore
from store.models import Article, Capture, Site, Version

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from store.db import Store

logger = logging.getLogger(__name__)

SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
REMEMBERED_PAYLOADS = 100_000
"""Payloads remembered for revisits; an older one is written in full again (still valid)."""


class EvidenceError(Exception):
    """The export cannot be made: nothing matches, or a stored capture fails its digests."""


@dataclass
class ExportSummary:
    path: Path
    captures: int = 0
    records: Counter[str] = field(default_factory=Counter)
    size: int = 0
    sha256: str = ""
    """SHA-256 of the WARC file as written."""


def export_warc(
    store: Store,
    out_path: str | Path,
    *,
    article_url: str | None = None,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    on_capture: Callable[[int, dict[str, str]], None] | None = None,
) -> ExportSummary:
    """Write the captures in scope (all, one article, one site; ``since`` ≤ fetched_at <
    ``until``) to a gzipped WARC 1.1 file. ``on_capture(capture_id, record ids by type)``
    is told where each capture went."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    summary = ExportSummary(out)
    try:
        with snapshot(store) as s, part.open("wb") as raw:
            sink = _HashingFile(raw)
            writer = _Writer(sink, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(out.name, _warcinfo(article_url, site, since, until)))
            summary.records["warcinfo"] += 1
            exporter = _Exporter(s, writer, summary, on_capture)
            for row in captures_in_order(s, _scope(s, article_url, site, since, until)):
                exporter.write(*row)
            sink.flush()
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    summary.size, summary.sha256 = sink.size, sink.sha256.hexdigest()
    logger.info("exported %d captures to %s (%s)", summary.captures, out, dict(summary.records))
    return summary


def _scope(
    s: Session, article_url: str | None, site: str | None, since: datetime | None, until: datetime | None
) -> Select:
    query = (
        select(Capture, Site.name, Article.url, Version.content_hash)
        .join(Site, Site.id == Capture.site_id)
        .outerjoin(Article, Article.id == Capture.article_id)
        .outerjoin(Version, Version.id == Capture.version_id)
    )
    if site is not None:
        if s.scalar(select(Site.id).where(Site.name == site)) is None:
            raise EvidenceError(f"no site named {site!r}")
        query = query.where(Site.name == site)
    if article_url is not None:
        if s.scalar(select(Article.id).where(Article.url == article_url).limit(1)) is None:
            raise EvidenceError(f"no article {article_url}")
        query = query.where(Article.url == article_url)
    if since is not None:
        query = query.where(Capture.fetched_at >= since)
    if until is not None:
        query = query.where(Capture.fetched_at < until)
    return query


class _Exporter:
    """Writes one capture's records; remembers payloads (revisits) and certificates."""

    def __init__(
        self,
        s: Session,
        writer: _Writer,
        summary: ExportSummary,
        on_capture: Callable[[int, dict[str, str]], None] | None,
    ) -> None:
        self.s, self.writer, self.summary, self.on_capture = s, writer, summary, on_capture
        self.blobs = BlobStore()
        self.payloads: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
        self.certificates: OrderedDict[str, None] = OrderedDict()

    def write(self, capture: Capture, site: str, article_url: str | None, content_digest: str | None) -> None:
        record = chained_record(capture, site, article_url, content_digest)
        ids: dict[str, str] = {}
        date = datetime_to_iso_date(capture.fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True)
        ip = (capture.meta or {}).get("ip")
        common = {"WARC-Date": date, **({"WARC-IP-Address": ip} if ip else {})}
        rewrites: list[str] = []
        if capture.response_sha256:
            head, body = split_message(self._blob(capture, capture.response_sha256))
            if hashlib.sha256(body).hexdigest() != capture.payload_sha256:
                raise EvidenceError(f"capture {capture.id}: the payload digest does not match; run palimpsest verify")
            head, rewrites = replayable_head(head, body)
            ids.update(self._response(capture, head, body, common))
        request = self._blob(capture, capture.request_sha256) if capture.request_sha256 else None
        if request is not None:
            head, body = split_message(request)
            concurrent = ids.get("response") or ids.get("revisit")
            rec = self.writer.create_warc_record(
                capture.url,
                "request",
                payload=BytesIO(body),
                length=len(body),
                http_headers=_raw_head(head),
                warc_headers_dict={**common, **({"WARC-Concurrent-To": concurrent} if concurrent else {})},
            )
            ids["request"] = self._emit(rec)
        metadata = self._metadata(capture, record, rewrites)
        concurrent = ids.get("response") or ids.get("revisit") or ids.get("request")
        rec = self.writer.create_warc_record(
            capture_urn(capture.id),
            "metadata",
            payload=BytesIO(metadata),
            length=len(metadata),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, **({"WARC-Concurrent-To": concurrent} if concurrent else {})},
        )
        ids["metadata"] = self._emit(rec)
        self.summary.captures += 1
        if self.on_capture:
            self.on_capture(capture.id, ids)

    def _response(self, capture: Capture, head: bytes, body: bytes, common: dict[str, str]) -> dict[str, str]:
        uri = capture.final_url or capture.url
        earlier = self.payloads.get(capture.payload_sha256) if body else None
        if earlier is not None:
            self.payloads.move_to_end(capture.payload_sha256)
            refers_uri, refers_date, refers_id = earlier
            rec = self.writer.create_revisit_record(
                uri,
                _warc_digest(capture.payload_sha256),
                refers_uri,
                refers_date,
                http_headers=_raw_head(head),
                warc_headers_dict={**common, "WARC-Refers-To": refers_id},
            )
            return {"revisit": self._emit(rec)}
        rec = self.writer.create_warc_record(
            uri,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=_raw_head(head),
            warc_headers_dict=common,
        )
        record_id = self._emit(rec)
        if body:
            self.payloads[capture.payload_sha256] = (uri, common["WARC-Date"], record_id)
            while len(self.payloads) > REMEMBERED_PAYLOADS:
                self.payloads.popitem(last=False)
        return {"response": record_id}

    def _metadata(self, capture: Capture, record: dict[str, Any], rewrites: list[str]) -> bytes:
        data: dict[str, Any] = {
            "capture_id": capture.id,
            "outcome": capture.outcome,
            "reason": capture.reason,
            "record_hash": capture.record_hash,
            "prev_hash": capture.prev_hash,
            "parser": (capture.meta or {}).get("parser"),
            "version_id": capture.version_id,
            "ledger": {"seq": capture.id, "hash": capture.ledger_hash},
            "record": record,
            "http_rewrites": rewrites,
        }
        digest = capture.certificate_sha256
        if digest and digest not in self.certificates:  # each certificate once per file
            data["certificate_pem"] = self._blob(capture, digest).decode("ascii", "replace")
            self.certificates[digest] = None
            if len(self.certificates) > REMEMBERED_PAYLOADS:
                self.certificates.popitem(last=False)
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    def _blob(self, capture: Capture, digest: str) -> bytes:
        try:
            data = self.blobs.get(self.s, digest)
        except Exception as exc:
            raise EvidenceError(
                f"capture {capture.id}: blob {digest} does not restore ({exc}); run palimpsest verify"
            ) from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise EvidenceError(f"capture {capture.id}: blob {digest} fails its digest; run palimpsest verify")
        return data

    def _emit(self, record: Any) -> str:
        self.writer.write_record(record)
        self.summary.records[record.rec_type] += 1
        return record.rec_headers.get_header("WARC-Record-ID")


def capture_urn(capture_id: int) -> str:
    """The metadata record's own target URI: replay tools index records by target URI and
    time, so one sharing the page's would shadow its response."""
    return f"urn:palimpsest:capture:{capture_id}"


def chained_record(capture: Capture, site: str, article_url: str | None, content_digest: str | None) -> dict:
    """The capture's record as ``store.chain.record_hash`` hashes it; checked before export."""
    fields = {name: getattr(capture, name) for name in chain.CHAINED_FIELDS}
    if (
        chain.record_hash(fields, site=site, article_url=article_url, content_digest=content_digest)
        != capture.record_hash
    ):
        raise EvidenceError(f"capture {capture.id}: record hash does not match; run palimpsest verify")
    record = {**fields, "fetched_at": capture.fetched_at.astimezone(UTC).isoformat()}
    return {**record, "site": site, "article_url": article_url, "content_digest": content_digest}


class _Writer(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (it defaults to SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class _RawHead(StatusAndHeaders):
    """Parsed HTTP headers that serialise as the exact stored bytes.

    warcio re-serialises heads (ASCII, ``Name: value``); evidence keeps what was stored.
    """

    def __init__(self, raw: bytes, parsed: StatusAndHeaders) -> None:
        super().__init__(parsed.statusline, parsed.headers, protocol=parsed.protocol)
        self.raw = raw

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.raw


def _raw_head(head: bytes) -> _RawHead:
    return _RawHead(head, StatusAndHeadersParser([], verify=False).parse(BytesIO(head)))


def _warc_digest(sha256_hex: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _warcinfo(
    article_url: str | None, site: str | None, since: datetime | None, until: datetime | None
) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        software = f"palimpsest/{version('palimpsest')} warcio/{version('warcio')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        software = "palimpsest/dev"
    scope = (
        ", ".join(
            f"{k}={v}" for k, v in (("article", article_url), ("site", site), ("since", since), ("until", until)) if v
        )
        or "whole store"
    )
    return {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": SPEC,
        "description": f"Palimpsest evidence export ({scope})",
        "http-header-rewrites": "X-Archive-Orig-* heads a renamed header that misdescribed "
        "the stored (decoded) body; see each metadata record's http_rewrites",
    }


class _HashingFile:
    """A write-only file that hashes and counts what passes through it."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()
