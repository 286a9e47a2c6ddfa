"""The printable evidence report: versions, diff, captures, certificate, signed head, tokens, how to verify."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from evidence.log import publish_head
from evidence.report import ReportTarget, render_report, write_report
from evidence.settings import LogSettings
from evidence.warc import EvidenceError
from tests.support.evidence import ARTICLE_A, PARAS, Filler, scalar
from tests.support.tsa import LocalTSA


def certificate() -> tuple[bytes, str]:
    """A synthetic server certificate (PEM) and its SHA-256 fingerprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "news.example.org")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), cert.fingerprint(hashes.SHA256()).hex()


@pytest.fixture
def settings(tmp_path: Path) -> LogSettings:
    return LogSettings(key_path=tmp_path / "k.key", heads_file=None)


def test_the_report_shows_what_a_reader_needs(store, settings: LogSettings, tmp_path: Path) -> None:
    pem, fingerprint = certificate()
    f = Filler(store)
    f.article(ARTICLE_A, "Minister resigns", PARAS, views=10, certificate=pem)
    f.article(
        ARTICLE_A,
        "Minister <script>alert(1)</script> stays",
        PARAS[:1] + ["A new second paragraph."],
        views=20,
        certificate=pem,
    )
    f.finish()
    tsa = LocalTSA.create(tmp_path / "tsa").start()
    try:
        stamped = LogSettings(key_path=settings.key_path, heads_file=None, tsa_urls=(tsa.url,), tsa_certs=(tsa.ca_pem,))
        head = publish_head(store, stamped)
    finally:
        tsa.stop()
    html = render_report(store, stamped, ReportTarget(article_url=ARTICLE_A))
    for text in (
        "Evidence report: https://example.org/news/1",
        "Version 1: Minister resigns",
        "<ins>A new second paragraph.</ins>",
        "203.0.113.7",
        f"SHA-256 {fingerprint}",
        head["root_hash"],
        head["key_fingerprint"],
        tsa.url,
        "openssl ts -verify",
        "python checker.py proof.json --key " + head["key_fingerprint"],
        scalar(store, "SELECT response_sha256 FROM captures WHERE id = 1"),
        "It covers every capture",
    ):
        assert text in html, text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    event = scalar(store, "SELECT id FROM events WHERE kind = 'edited'")
    assert "This report is about event" in render_report(store, stamped, ReportTarget(event_id=event))
    with pytest.raises(EvidenceError, match="no article"):
        render_report(store, settings, ReportTarget(article_url="https://example.org/none"))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="never on CI: the machine has Debian's chromium")
def test_the_report_prints_to_pdf(filled, settings: LogSettings, tmp_path: Path) -> None:
    publish_head(filled, settings)
    html = write_report(filled, settings, ReportTarget(article_url=ARTICLE_A), tmp_path / "r.html")
    assert "Minister resigns after vote" in html.read_text()
    pdf = write_report(filled, settings, ReportTarget(article_url=ARTICLE_A), tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_export_writes_a_report_by_its_suffix(filled, settings: LogSettings, tmp_path: Path) -> None:
    from palimpsest.commands.evidence import export
    from tests.support.evidence import run

    event = scalar(filled, "SELECT id FROM events WHERE kind = 'edited'")
    result = run(export, filled, "--event", str(event), "--out", str(tmp_path / "e.html"), settings=settings)
    assert result.exit_code == 0, result.output
    assert f"event #{event}" in (tmp_path / "e.html").read_text()
    result = run(
        export,
        filled,
        "--article",
        ARTICLE_A,
        "--event",
        str(event),
        "--out",
        str(tmp_path / "x.html"),
        settings=settings,
    )
    assert result.exit_code == 2 and "--article URL or --event ID" in result.output
