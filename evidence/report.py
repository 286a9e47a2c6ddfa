"""A printable evidence report for an article or one of its events: HTML, and PDF through Chromium.

Written for a lawyer or an editor: what the article said in each version and when, what
changed, each capture's time, server address, TLS certificate and digests, the signed
tree head that covers them with its RFC 3161 timestamps, and how anyone can check all of
it without us. Every scraped string is escaped; the page loads nothing from outside.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from changes import Content
from changes.diff import render_text
from evidence import keys
from evidence.checker import head_message
from evidence.log import head_json
from evidence.scan import snapshot
from evidence.warc import EvidenceError
from store.blobs import BlobStore
from store.models import Article, Capture, Event, HeadTimestamp, Site, TreeHead, Version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidence.settings import LogSettings
    from store.db import Store

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-pdf-header-footer",
)
STYLE = """body{font:11pt/1.45 Georgia,serif;max-width:60em;margin:2em auto;color:#111}
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.85em}td,th{border:1px solid #bbb;padding:.25em .4em;
vertical-align:top;text-align:left}code,.hash{font:.8em/1.3 monospace;word-break:break-all}
del{background:#fdd}ins{background:#dfd;text-decoration:none}pre{white-space:pre-wrap;font-size:.9em}
.event{background:#ffd}"""


@dataclass(frozen=True)
class ReportTarget:
    article_url: str | None = None
    event_id: int | None = None


def render_report(store: Store, settings: LogSettings, target: ReportTarget) -> str:
    """The report's HTML for an article (by URL) or for an event (and its article)."""
    key = keys.public_key(settings.key_path)
    fingerprint = None if key is None else keys.key_fingerprint(key.public_bytes_raw())
    with snapshot(store) as s:
        article, site, event = _target(s, target)
        versions = s.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.seq)).all()
        captures = s.scalars(select(Capture).where(Capture.article_id == article.id).order_by(Capture.id)).all()
        events = s.scalars(select(Event).where(Event.article_id == article.id).order_by(Event.id)).all()
        head = s.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()
        stamps = [] if head is None else s.scalars(select(HeadTimestamp).where(HeadTimestamp.head_id == head.id)).all()
        certificates = {
            c.certificate_sha256: _certificate(s, c.certificate_sha256) for c in captures if c.certificate_sha256
        }
        covered = head is not None and bool(captures) and head.last_capture_id >= captures[-1].id
    seq = {v.id: v.seq for v in versions}
    parts = [
        f"<h1>Evidence report: {escape(article.url)}</h1>",
        f"<p>Site <b>{escape(site)}</b>; article first seen {_when(article.first_seen_at)}; "
        f"status <b>{escape(article.status)}</b>. Report made {_when(datetime.now(UTC))}.</p>",
    ]
    if event is not None:
        parts.append(
            f"<p class=event>This report is about event #{event.id}: <b>{escape(event.kind)}</b> at "
            f"{_when(event.created_at)} (capture {event.capture_id}).</p>"
        )
    parts += _versions(versions), _diffs(versions), _events(events, seq, event)
    parts.append(_captures(captures, seq, certificates))
    parts.append(_log(head, stamps, fingerprint, covered))
    parts.append(_how_to_verify(fingerprint))
    title = escape(f"Evidence report: {article.url}")
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_report(store: Store, settings: LogSettings, target: ReportTarget, out: Path) -> Path:
    """The report at ``out``: HTML, or PDF when ``out`` ends in .pdf (needs Chromium)."""
    html = render_report(store, settings, target)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix != ".pdf":
        out.write_text(html, encoding="utf-8")
        return out
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise EvidenceError("a PDF needs Chromium (Debian package chromium); write the .html report instead")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        result = subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out.resolve()}",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not out.exists():
        raise EvidenceError(f"Chromium could not print the report (exit {result.returncode})")
    return out


def _target(s: Session, target: ReportTarget) -> tuple[Article, str, Event | None]:
    event = None
    if target.event_id is not None:
        event = s.get(Event, target.event_id)
        if event is None or event.article_id is None:
            raise EvidenceError(f"no article event {target.event_id}")
        row = s.execute(select(Article, Site.name).join(Site).where(Article.id == event.article_id)).one()
    else:
        found = s.execute(select(Article, Site.name).join(Site).where(Article.url == target.article_url)).all()
        if len(found) != 1:
            raise EvidenceError(
                f"no article {target.article_url}"
                if not found
                else f"{len(found)} sites have an article at {target.article_url}"
            )
        row = found[0]
    return row[0], row[1], event


def _certificate(s: Session, digest: str) -> str:
    """The TLS certificate's subject and SHA-256 fingerprint (of its DER form)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        cert = x509.load_pem_x509_certificate(BlobStore().get(s, digest))
    except (KeyError, ValueError) as exc:
        return f"unreadable certificate blob {digest} ({exc})"
    return f"{cert.subject.rfc4514_string()}, SHA-256 {cert.fingerprint(hashes.SHA256()).hex()}"


def _versions(versions: list[Version]) -> str:
    rows = "".join(
        f"<tr><td>v{v.seq}</td><td>{_when(v.first_seen_at)}</td><td>{escape(v.content.get('headline') or '')}</td>"
        f"<td class=hash>{v.content_hash}</td><td>{escape(v.parser)}/{escape(v.parser_version)}</td></tr>"
        for v in versions
    )
    body = "".join(
        f"<h3>Version {v.seq}: {escape(v.content.get('headline') or '')}</h3>"
        + "".join(f"<p>{escape(p)}</p>" for p in v.content.get("body") or [])
        for v in versions
    )
    return (
        "<h2>Versions</h2><table><tr><th>#</th><th>first seen (UTC)</th><th>headline</th>"
        f"<th>content SHA-256</th><th>parser</th></tr>{rows}</table>{body}"
    )


_MARKS = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def _diffs(versions: list[Version]) -> str:
    parts = ["<h2>What changed</h2>"]
    for old, new in zip(versions, versions[1:], strict=False):
        text = render_text(Content.from_json(old.content), Content.from_json(new.content))
        marked = "\n".join(_mark(line) for line in escape(text).split("\n"))
        parts.append(f"<h3>v{old.seq} → v{new.seq}</h3><pre>{marked}</pre>")
    return "".join(parts) if len(parts) > 1 else ""


def _mark(line: str) -> str:
    """One line of ``changes.diff.render_text``: whole paragraphs -/+, words [-…-] {+…+}."""
    if line.startswith(("- ", "+ ")):
        tag = "del" if line[0] == "-" else "ins"
        return f"{line[:2]}<{tag}>{line[2:]}</{tag}>"
    return _MARKS.sub(lambda m: f"<del>{m[1]}</del>" if m[1] is not None else f"<ins>{m[2]}</ins>", line)


def _events(events: list[Event], seq: dict[int, int], focus: Event | None) -> str:
    rows = "".join(
        f"<tr{' class=event' if focus is not None and e.id == focus.id else ''}><td>#{e.id}</td>"
        f"<td>{_when(e.created_at)}</td><td>{escape(e.kind)}</td>"
        f"<td>{_v(seq, e.from_version_id)} → {_v(seq, e.to_version_id)}</td>"
        f"<td>{escape(', '.join(map(str, (e.details or {}).get('changes', []))))}</td></tr>"
        for e in events
    )
    return (
        "<h2>Events</h2><table><tr><th>event</th><th>when (UTC)</th><th>kind</th><th>versions</th>"
        f"<th>changes</th></tr>{rows}</table>"
    )


def _captures(captures: list[Capture], seq: dict[int, int], certificates: dict[str, str]) -> str:
    rows = []
    for c in captures:
        meta = c.meta or {}
        certificate = (
            certificates.get(c.certificate_sha256, "none (plain HTTP)") if c.certificate_sha256 else "none (plain HTTP)"
        )
        rows.append(
            f"<tr><td>{c.id}</td><td>{_when(c.fetched_at)}</td><td>{c.status or escape(c.error or '')}</td>"
            f"<td>{escape(c.outcome)}</td><td>{_v(seq, c.version_id)}</td><td>{escape(str(meta.get('ip') or ''))}</td>"
            f"<td class=hash>response {c.response_sha256 or '—'}<br>payload {c.payload_sha256 or '—'}<br>"
            f"record {c.record_hash}</td><td class=hash>{escape(certificate)}</td></tr>"
        )
    return (
        "<h2>Captures</h2><p>Every fetch attempt, whatever its outcome. The response digest is SHA-256 of "
        "the HTTP response as received; the record hash covers all of the row and the previous capture's.</p>"
        "<table><tr><th>capture</th><th>fetched (UTC)</th><th>HTTP</th><th>outcome</th><th>version</th>"
        f"<th>server IP</th><th>digests</th><th>TLS certificate</th></tr>{''.join(rows)}</table>"
    )


def _log(head: TreeHead | None, stamps: list[HeadTimestamp], fingerprint: str | None, covered: bool) -> str:
    if head is None:
        return "<h2>Signed log</h2><p>No tree head has been signed yet.</p>"
    data = head_json(head)
    digest = hashlib.sha256(head_message(data)).hexdigest()
    rows = "".join(
        f"<tr><td>{escape(t.tsa)}</td><td>{_when(t.gen_time)}</td>"
        f"<td class=hash>{hashlib.sha256(t.token).hexdigest()}</td></tr>"
        for t in stamps
    )
    tokens = (
        (
            "<table><tr><th>timestamp authority</th><th>time it attests (UTC)</th><th>token SHA-256</th></tr>"
            f"{rows}</table>"
        )
        if stamps
        else "<p>No RFC 3161 timestamp on this head yet.</p>"
    )
    cover = (
        "It covers every capture above."
        if covered
        else "The newest captures above are not covered yet: the next run's head will cover them."
    )
    return (
        f"<h2>Signed log</h2><p>Latest tree head: <b>{head.tree_size}</b> captures, "
        f"signed {escape(head.timestamp)} by {escape(head.origin)}. {cover}</p>"
        f"<p>Root <span class=hash>{head.root_hash}</span><br>"
        f"Signature <span class=hash>{escape(data['signature'])}</span><br>Signing key fingerprint "
        f"<span class=hash>{fingerprint or head.key_fingerprint}</span><br>SHA-256 of the signed head "
        f"(what the timestamps cover) <span class=hash>{digest}</span></p>{tokens}"
    )


def _how_to_verify(fingerprint: str | None) -> str:
    fp = fingerprint or "FINGERPRINT"
    return (
        "<h2>How to verify</h2><ol>"
        "<li>Get the installation's key fingerprint from its keeper, out of band, and compare it with "
        f"<span class=hash>{fp}</span>.</li>"
        "<li>For any capture: <code>palimpsest proof CAPTURE --out proof.json</code>, then, on any machine "
        f"with Python and the cryptography package: <code>python checker.py proof.json --key {fp}</code> "
        "(checker.py ships in every WACZ bundle and as evidence/checker.py). It checks the capture record, "
        "its place in the signed Merkle tree (RFC 9162) and the head's Ed25519 signature.</li>"
        "<li>Each timestamp token can be checked with OpenSSL: <code>openssl ts -verify -digest HEX -in "
        "token.tsr -CAfile TSA-CA.pem</code>, HEX being the SHA-256 of the signed head shown above.</li>"
        "<li>Anyone who kept a tree head (from an alert, the feed or the heads file) can run "
        "<code>palimpsest verify --head FILE</code> against the store: it fails, naming the head, if any "
        "capture the head covers was altered or removed since.</li>"
        "<li>The raw responses are in the WARC or WACZ export; their SHA-256 digests are listed above.</li>"
        "</ol>"
    )


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _v(seq: dict[int, int], version_id: int | None) -> str:
    return f"v{seq[version_id]}" if version_id in seq else "—"


__all__ = ["ReportTarget", "render_report", "write_report"]
