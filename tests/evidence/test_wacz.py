"""WACZ bundles: `wacz validate` passes, the signature holds, pywb replays them, proofs check offline."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from evidence import checker
from evidence.log import publish_head
from evidence.settings import LogSettings
from evidence.wacz import export_wacz, verify_signature
from tests.support.evidence import ARTICLE_A, ARTICLE_B
from tests.support.outside_tools import fetch, tool, wayback


@pytest.fixture
def settings(tmp_path: Path) -> LogSettings:
    return LogSettings(key_path=tmp_path / "k.key", heads_file=tmp_path / "heads.jsonl")


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("wacz"), "validate", "-f", str(path)], capture_output=True, text=True, check=False)


def test_every_bundle_validates_and_verifies(filled, settings: LogSettings, tmp_path: Path) -> None:
    head = publish_head(filled, settings)
    bundles = [
        export_wacz(filled, tmp_path / "all.wacz", settings),
        export_wacz(filled, tmp_path / "a.wacz", settings, article_url=ARTICLE_A),
        export_wacz(filled, tmp_path / "b.wacz", settings, article_url=ARTICLE_B),
    ]
    for bundle in bundles:
        result = validate(bundle.path)
        assert result.returncode == 0, result.stdout + result.stderr
        with zipfile.ZipFile(bundle.path) as z:
            assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
            package = z.read("datapackage.json")
            verify_signature(json.loads(z.read("datapackage-digest.json")), package, head["key_fingerprint"])
            index = gzip.decompress(z.read("indexes/index.cdx.gz")).decode()
            proofs = [json.loads(line) for line in z.read("evidence/proofs.jsonl").decode().splitlines()]
            assert z.read("evidence/checker.py") == Path(checker.__file__).read_bytes()
        assert "org,example)/news/" in index
        assert len(proofs) == bundle.captures
        for proof in proofs:
            checker.check(proof, fingerprint=head["key_fingerprint"], out=lambda _line: None)
    assert [b.captures for b in bundles] == [9, 6, 2]
    assert bundles[2].pages == 2  # its one version, and its deletion


def test_a_changed_bundle_fails_its_signature(filled, settings: LogSettings, tmp_path: Path) -> None:
    publish_head(filled, settings)
    bundle = export_wacz(filled, tmp_path / "a.wacz", settings, article_url=ARTICLE_A)
    with zipfile.ZipFile(bundle.path) as z:
        package = json.loads(z.read("datapackage.json"))
        digest = json.loads(z.read("datapackage-digest.json"))
    package["title"] = "Something else"
    with pytest.raises(checker.ProofError, match="was changed"):
        verify_signature(digest, json.dumps(package, indent=2).encode(), None)
    signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    signature[0] ^= 1
    digest["signedData"]["signature"] = base64.b64encode(signature).decode()
    with zipfile.ZipFile(bundle.path) as z, pytest.raises(checker.ProofError, match="does not verify"):
        verify_signature(digest, z.read("datapackage.json"), None)


def test_pywb_replays_a_bundle(filled, settings: LogSettings, tmp_path: Path) -> None:
    bundle = export_wacz(filled, tmp_path / "b.wacz", settings, article_url=ARTICLE_B)
    pages = tmp_path / "replay"
    pages.mkdir()
    with wayback([bundle.path], pages) as base:
        with zipfile.ZipFile(bundle.path) as z:
            listed = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        first, gone = listed
        code, text = fetch(f"{base}{stamp(first['ts'])}id_/{ARTICLE_B}")
        assert code == 200 and "<h1>Storm hits coast</h1>" in text
        code, _ = fetch(f"{base}{stamp(gone['ts'])}id_/{ARTICLE_B}")
        assert code == 404


def stamp(iso: str) -> str:
    """A pages.jsonl time as the 14 digits of a replay URL."""
    return "".join(c for c in iso[:19] if c.isdigit())


def test_export_writes_a_wacz_by_its_suffix(filled, settings: LogSettings, tmp_path: Path) -> None:
    from palimpsest.commands.evidence import export
    from tests.support.evidence import run

    bare = export_wacz(filled, tmp_path / "bare.wacz", settings, article_url=ARTICLE_B)
    assert bare.proofs == 0 and validate(bare.path).returncode == 0  # no head yet: no proofs, still valid
    out = tmp_path / "a.wacz"
    result = run(export, filled, "--article", ARTICLE_A, "--out", str(out), settings=settings)
    assert result.exit_code == 0, result.output
    assert f"{out}: 6 captures, 2 pages, 6 proofs" in result.output  # a head was signed first
    assert validate(out).returncode == 0
