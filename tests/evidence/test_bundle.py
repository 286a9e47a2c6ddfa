"""Evidence bundles: an article's WARC and a manifest that checks without the store."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidence.bundle import export_bundle, slugify
from evidence.warc import EvidenceError
from store import chain
from tests.support.evidence import ARTICLE_A, ARTICLE_B, PARAS, Filler, scalar, tamper

WARCIO = str(Path(sys.executable).with_name("warcio"))


def test_a_bundle_holds_the_warc_and_a_manifest(filled, tmp_path: Path) -> None:
    bundle = export_bundle(filled, ARTICLE_A, tmp_path / "bundle")
    assert bundle.warc.name == f"{slugify(ARTICLE_A)}.warc.gz"
    assert bundle.manifest.name == f"{slugify(ARTICLE_A)}.manifest.json"
    assert bundle.chain_ok and bundle.captures == 6
    manifest = json.loads(bundle.manifest.read_text())
    assert manifest["article"]["url"] == ARTICLE_A and manifest["article"]["site"] == "example"
    assert manifest["warc"]["sha256"] == hashlib.sha256(bundle.warc.read_bytes()).hexdigest()
    assert subprocess.run([WARCIO, "check", str(bundle.warc)], check=False).returncode == 0

    versions = manifest["versions"]
    assert [v["seq"] for v in versions] == [1, 2]
    assert all(v["parser"] == "tiny" and v["parser_version"] == "1" for v in versions)
    assert versions[0]["content"]["body"] == PARAS
    assert [e["kind"] for e in manifest["events"]] == ["new", "edited"]
    assert manifest["events"][1]["to_version_id"] == versions[1]["id"]

    captures = manifest["captures"]
    assert [c["outcome"] for c in captures] == ["ok", "ok", "ok", "transient", "ok", "ok"]
    assert captures[0]["prev_hash"] is None
    for before, after in itertools.pairwise(captures):
        assert after["prev_hash"] == before["record_hash"]
        assert after["ledger"]["seq"] > before["ledger"]["seq"]
    assert captures[-1]["record_hash"] == manifest["article"]["head_hash"]
    assert all(set(c["warc_records"]) >= {"request", "metadata"} for c in captures)

    # Every WARC record id the manifest names is in the WARC.
    with bundle.warc.open("rb") as stream:
        ids = {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)}
    assert {i for c in captures for i in c["warc_records"].values()} <= ids


def test_ledger_positions_recompute(filled, tmp_path: Path) -> None:
    manifest = json.loads(export_bundle(filled, ARTICLE_B, tmp_path).manifest.read_text())
    first = manifest["captures"][0]
    assert first["ledger"]["seq"] == first["id"] == 5  # the listing and A's three captures came first
    assert chain.ledger_hash(None, first["record_hash"]) != first["ledger"]["hash"]  # it chains on earlier ones
    previous = scalar(filled, "SELECT ledger_hash FROM captures WHERE id = 4")
    assert chain.ledger_hash(previous, first["record_hash"]) == first["ledger"]["hash"]


def test_a_broken_chain_is_recorded_in_the_manifest(filled, tmp_path: Path) -> None:
    tamper(filled, "DELETE FROM captures WHERE id = 3")
    bundle = export_bundle(filled, ARTICLE_A, tmp_path)
    assert not bundle.chain_ok
    breaks = json.loads(bundle.manifest.read_text())["chain"]["breaks"]
    assert breaks[0]["capture_id"] == 4


def test_an_article_must_be_known_and_unambiguous(filled, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="no article"):
        export_bundle(filled, "https://example.org/none", tmp_path)
    Filler(filled, site="mirror").article(ARTICLE_A, "Same URL elsewhere", PARAS)
    with pytest.raises(EvidenceError, match="2 sites"):
        export_bundle(filled, ARTICLE_A, tmp_path)
    bundle = export_bundle(filled, ARTICLE_A, tmp_path, site="mirror")
    assert bundle.captures == 1
