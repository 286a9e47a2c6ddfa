"""WARC export: warcio validates it and reads every stored byte back."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from changes.outcome import Outcome, Verdict
from evidence.warc import EvidenceError, export_warc
from httpmsg import split_message
from store import chain
from store.blobs import BlobStore
from store.models import Capture
from tests.support.evidence import ARTICLE_A, ARTICLE_B, PARAS, T0, Filler, rows, tamper

WARCIO = str(Path(sys.executable).with_name("warcio"))


def stored(store, capture_id: int) -> tuple[Capture, bytes | None]:
    with store.reader() as s:
        capture = s.get(Capture, capture_id)
        response = BlobStore().get(s, capture.response_sha256) if capture.response_sha256 else None
    return capture, response


def records(path: Path, *, parse_http: bool = True, decode: bool = False) -> list[dict]:
    """Every record: type, WARC headers, HTTP head (parsed), then its bytes: the block
    (``parse_http=False``), the payload as stored, or the payload as a reader decodes it."""
    out = []
    with path.open("rb") as stream:
        for rec in ArchiveIterator(stream, no_record_parse=not parse_http):
            data = rec.content_stream().read() if decode else rec.raw_stream.read()
            out.append(
                {"type": rec.rec_type, "headers": dict(rec.rec_headers.headers), "http": rec.http_headers, "raw": data}
            )
    return out


def export(store, tmp_path: Path, **scope) -> tuple[object, dict[int, dict[str, str]]]:
    ids: dict[int, dict[str, str]] = {}
    summary = export_warc(
        store, tmp_path / "out" / "out.warc.gz", on_capture=lambda c, r: ids.__setitem__(c, r), **scope
    )
    return summary, ids


def test_warcio_check_passes(filled, tmp_path: Path) -> None:
    summary, _ = export(filled, tmp_path)
    result = subprocess.run([WARCIO, "check", "-v", str(summary.path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout
    assert "failed" not in result.stdout.lower()


def test_warcio_index_lists_every_record(filled, tmp_path: Path) -> None:
    summary, _ = export(filled, tmp_path)
    result = subprocess.run(
        [WARCIO, "index", "-f", "warc-type,warc-target-uri,warc-record-id", str(summary.path)],
        capture_output=True,
        text=True,
        check=True,
    )
    indexed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(indexed) == sum(summary.records.values())
    by_type: dict[str, int] = {}
    for entry in indexed:
        by_type[entry["warc-type"]] = by_type.get(entry["warc-type"], 0) + 1
    assert by_type == dict(summary.records)
    assert summary.sha256 == hashlib.sha256(summary.path.read_bytes()).hexdigest()
    assert summary.size == summary.path.stat().st_size


def test_every_payload_reads_back_as_the_stored_body(filled, tmp_path: Path) -> None:
    summary, ids = export(filled, tmp_path)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path)}
    decoded = {r["headers"]["WARC-Record-ID"]: r["raw"] for r in records(summary.path, decode=True)}
    checked = 0
    for capture_id, record_ids in ids.items():
        capture, response = stored(filled, capture_id)
        if response is None:
            continue
        body = split_message(response)[1]
        record = by_id[record_ids.get("response") or record_ids["revisit"]]
        if record["type"] == "revisit":  # the payload is the one of the record it refers to
            record = by_id[record["headers"]["WARC-Refers-To"]]
        assert record["raw"] == body, capture_id
        # A reader decoding Content-Encoding and chunking gets the very same bytes.
        assert decoded[record["headers"]["WARC-Record-ID"]] == body, capture_id
        assert record["http"].get_statuscode() == str(capture.status)
        checked += 1
    assert checked == summary.records["response"] + summary.records["revisit"] == 8


def test_an_unrewritten_response_is_the_stored_blob_byte_for_byte(filled, tmp_path: Path) -> None:
    summary, ids = export(filled, tmp_path)
    blocks = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path, parse_http=False)}
    listing = rows(filled, "SELECT id FROM captures WHERE kind = 'listing'")[0][0]
    capture, response = stored(filled, listing)
    block = blocks[ids[listing]["response"]]
    assert block["raw"] == response
    expected = base64.b32encode(bytes.fromhex(capture.response_sha256)).decode()
    assert block["headers"]["WARC-Block-Digest"] == f"sha256:{expected}"
    request = blocks[ids[listing]["request"]]
    with filled.reader() as s:
        assert request["raw"] == BlobStore().get(s, capture.request_sha256)


def test_heads_misdescribing_the_decoded_body_are_renamed(filled, tmp_path: Path) -> None:
    summary, ids = export(filled, tmp_path)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path)}
    first_a = min(
        c for c, r in ids.items() if "response" in r and by_id[r["response"]]["headers"]["WARC-Target-URI"] == ARTICLE_A
    )
    http = by_id[ids[first_a]["response"]]["http"]
    _, response = stored(filled, first_a)
    body = split_message(response)[1]
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("X-Archive-Orig-Content-Length") == str(len(body) // 4)
    assert http.get_header("Content-Length") == str(len(body))
    meta = json.loads(by_id[ids[first_a]["metadata"]]["raw"])
    assert meta["http_rewrites"] == [
        "Content-Encoding -> X-Archive-Orig-*",
        "Content-Length -> X-Archive-Orig-*",
        "Content-Length set to body size",
    ]
    chunked = next(
        c
        for c, r in ids.items()
        if "response" in r
        and by_id[r["response"]]["headers"]["WARC-Target-URI"] == ARTICLE_B
        and by_id[r["response"]]["http"].get_statuscode() == "200"
    )
    http = by_id[ids[chunked]["response"]]["http"]
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"


def test_identical_payloads_become_revisits(filled, tmp_path: Path) -> None:
    summary, _ = export(filled, tmp_path)
    recs = records(summary.path)
    revisits = [r for r in recs if r["type"] == "revisit"]
    assert summary.records["revisit"] == len(revisits) == 1
    revisit = revisits[0]["headers"]
    original = next(r["headers"] for r in recs if r["headers"]["WARC-Record-ID"] == revisit["WARC-Refers-To"])
    assert revisit["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert revisit["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
    assert revisit["WARC-Refers-To-Target-URI"] == original["WARC-Target-URI"] == ARTICLE_A
    assert revisit["WARC-Refers-To-Date"] == original["WARC-Date"]
    assert revisit["WARC-Date"] > original["WARC-Date"]


def test_request_and_metadata_records_describe_each_attempt(filled, tmp_path: Path) -> None:
    summary, ids = export(filled, tmp_path)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path)}
    assert summary.captures == len(ids) == 9
    assert summary.records["request"] == summary.records["metadata"] == 9
    timeout = next(c for c, r in ids.items() if "response" not in r and "revisit" not in r)
    assert set(ids[timeout]) == {"request", "metadata"}
    meta = json.loads(by_id[ids[timeout]["metadata"]]["raw"])
    assert meta["outcome"] == "transient"
    assert meta["record"]["error"].startswith("TimeoutError")
    assert by_id[ids[timeout]["metadata"]]["headers"]["WARC-Concurrent-To"] == ids[timeout]["request"]
    for capture_id, record_ids in ids.items():
        capture, _ = stored(filled, capture_id)
        meta_record = by_id[record_ids["metadata"]]
        meta = json.loads(meta_record["raw"])
        assert meta_record["headers"]["Content-Type"] == "application/json"
        # Anyone can recheck the chain from the WARC alone: the record hashes to record_hash.
        canonical = json.dumps(meta["record"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert hashlib.sha256(canonical.encode()).hexdigest() == capture.record_hash == meta["record_hash"]
        assert meta["ledger"]["hash"] == chain.ledger_hash(None, capture.record_hash) or meta["ledger"]["seq"] > 1
        assert meta["ledger"] == {"seq": capture.id, "hash": capture.ledger_hash}
        request = by_id[record_ids["request"]]
        assert request["http"].get_header("User-Agent").startswith("palimpsest/")
        assert request["headers"]["WARC-Target-URI"] == capture.url
        if "response" in record_ids:
            assert request["headers"]["WARC-Concurrent-To"] == record_ids["response"]
            assert by_id[record_ids["response"]]["headers"]["WARC-IP-Address"] == "203.0.113.7"


@pytest.mark.parametrize(
    ("scope", "captures"),
    [
        ({"article_url": ARTICLE_A}, 6),
        ({"article_url": ARTICLE_B}, 2),
        ({"site": "example"}, 9),
        # Captures every 30 minutes from 14:35: since is inclusive, until exclusive.
        ({"since": T0 + timedelta(minutes=60), "until": T0 + timedelta(minutes=120)}, 2),
        ({"article_url": ARTICLE_A, "since": T0 + timedelta(minutes=150)}, 3),
    ],
)
def test_scope(filled, tmp_path: Path, scope: dict, captures: int) -> None:
    summary, ids = export(filled, tmp_path, **scope)
    assert summary.captures == len(ids) == captures
    result = subprocess.run([WARCIO, "check", str(summary.path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_unknown_scope_is_an_error(filled, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="no article"):
        export(filled, tmp_path, article_url="https://example.org/nope")
    with pytest.raises(EvidenceError, match="no site"):
        export(filled, tmp_path, site="nope")
    assert not list((tmp_path / "out").iterdir())  # no half-written file left behind


def test_a_certificate_is_written_once_per_file(store, tmp_path: Path) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
    f = Filler(store)
    for views in (1, 2):
        f.article(ARTICLE_A, "Headline", PARAS, views=views, certificate=pem)
    summary, ids = export(store, tmp_path)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path)}
    metas = [json.loads(by_id[ids[c]["metadata"]]["raw"]) for c in sorted(ids)]
    assert metas[0]["certificate_pem"] == pem.decode()
    assert "certificate_pem" not in metas[1]
    assert (
        metas[0]["record"]["certificate_sha256"]
        == metas[1]["record"]["certificate_sha256"]
        == hashlib.sha256(pem).hexdigest()
    )


def test_a_corrupted_capture_is_not_exported(filled, tmp_path: Path) -> None:
    tamper(filled, "UPDATE captures SET status = 500 WHERE id = 2")
    with pytest.raises(EvidenceError, match="capture 2: record hash"):
        export(filled, tmp_path)
    assert not list((tmp_path / "out").iterdir())


def test_the_file_is_gzip_per_record(filled, tmp_path: Path) -> None:
    summary, _ = export(filled, tmp_path)
    with gzip.open(summary.path) as stream:
        assert stream.read(9) == b"WARC/1.1\r"


def test_a_redirected_fetch_keeps_both_urls(store, tmp_path: Path) -> None:
    f = Filler(store)
    f.article(ARTICLE_A, "Headline", PARAS)
    final = ARTICLE_A + "?from=mobile"
    fetched = replace(
        f.fetched(ARTICLE_A, b"<html>moved here</html>", framing="plain"), final_url=final, redirects=(ARTICLE_A,)
    )
    capture_id = f.archive.record(f.run_id, fetched, Verdict(Outcome.OK, "ok"), article_url=ARTICLE_A)
    summary, ids = export(store, tmp_path)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records(summary.path)}
    assert by_id[ids[capture_id]["response"]]["headers"]["WARC-Target-URI"] == final
    assert by_id[ids[capture_id]["request"]]["headers"]["WARC-Target-URI"] == ARTICLE_A
    meta = json.loads(by_id[ids[capture_id]["metadata"]]["raw"])
    assert meta["record"]["final_url"] == final and meta["record"]["meta"]["redirects"] == [ARTICLE_A]
