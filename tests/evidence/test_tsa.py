"""RFC 3161 timestamps on tree heads from a real local TSA (OpenSSL), checked and rechecked."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence import checker
from evidence.log import prove, publish_head
from evidence.settings import LogSettings
from evidence.tsa import request_token
from evidence.verify import Report, verify
from tests.support.evidence import ARTICLE_A, PARAS, Filler, rows, tamper
from tests.support.tsa import LocalTSA, make_ca

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="never: .ci/run installs openssl")


@pytest.fixture
def tsa(tmp_path: Path):
    server = LocalTSA.create(tmp_path / "tsa").start()
    yield server
    server.stop()


def settings_for(tmp_path: Path, urls: list[str], certs: list[Path]) -> LogSettings:
    return LogSettings(
        key_path=tmp_path / "k.key",
        heads_file=tmp_path / "heads.jsonl",
        tsa_urls=tuple(urls),
        tsa_certs=tuple(certs),
        tsa_timeout=5.0,
    )


def named(report: Report, *fragments: str) -> None:
    lines = [str(f) for f in report.failures]
    assert any(all(f in line for f in fragments) for line in lines), "\n".join(lines)


def test_each_head_gets_a_checked_token(filled, tsa: LocalTSA, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [tsa.url], [tsa.ca_pem])
    head = publish_head(filled, settings)
    [(tsa_url, token)] = rows(filled, "SELECT tsa, token FROM head_timestamps")
    assert tsa_url == tsa.url
    report = verify(filled, settings=settings)
    assert report.ok, [str(f) for f in report.failures]
    assert report.checked["timestamps"] == 1
    # The proof carries the token, and the standalone checker reads its time.
    proof = prove(filled, 2, settings)
    assert base64.b64decode(proof["timestamps"][0]["token"]) == bytes(token)
    lines: list[str] = []
    checker.check(proof, fingerprint=head["key_fingerprint"], out=lines.append)
    assert any(line.startswith(f"timestamp: {tsa.url} attests the tree head existed at") for line in lines)
    # openssl itself agrees: the token is over SHA-256 of the head's signed message, by a TSA of the CA.
    (tmp_path / "t.tsr").write_bytes(bytes(token))
    digest = hashlib.sha256(checker.head_message(head)).hexdigest()
    ok = subprocess.run(
        ["openssl", "ts", "-verify", "-digest", digest, "-in", str(tmp_path / "t.tsr"), "-CAfile", str(tsa.ca_pem)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr


def test_a_timestamp_over_the_wrong_digest_is_named(filled, tsa: LocalTSA, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [tsa.url], [tsa.ca_pem])
    publish_head(filled, settings)
    other = request_token(tsa.url, b"some other message", timeout=5, roots=[])
    tamper(filled, "UPDATE head_timestamps SET token = :t", t=other)
    report = verify(filled, settings=settings)
    named(report, f"timestamp 1 ({tsa.url})", "does not attest tree head 9", "imprint")


def test_a_token_from_an_untrusted_tsa_is_named(filled, tsa: LocalTSA, tmp_path: Path) -> None:
    publish_head(filled, settings_for(tmp_path, [tsa.url], []))
    make_ca(tmp_path, "Other Root CA")
    report = verify(filled, settings=settings_for(tmp_path, [tsa.url], [tmp_path / "other-root-ca.pem"]))
    named(report, f"timestamp 1 ({tsa.url})", "does not attest")


def test_an_unreachable_tsa_delays_the_timestamp_to_the_next_run(filled, tsa: LocalTSA, tmp_path: Path) -> None:
    from localsite import free_port

    down = f"http://127.0.0.1:{free_port()}/tsa"
    head = publish_head(filled, settings_for(tmp_path, [down], []))
    assert head["tree_size"] == 9  # the head is signed and kept all the same
    assert rows(filled, "SELECT count(*) FROM head_timestamps") == [(0,)]
    # Next run: the TSA answers, and the head still waiting is stamped (no new capture needed).
    settings = settings_for(tmp_path, [tsa.url], [tsa.ca_pem])
    assert publish_head(filled, settings) is None
    assert rows(filled, "SELECT count(*) FROM head_timestamps") == [(1,)]
    Filler(filled).article(ARTICLE_A, "Minister resigns after vote", PARAS, views=90)
    publish_head(filled, settings)
    assert rows(filled, "SELECT count(*) FROM head_timestamps") == [(2,)]
    assert tsa.requests == 2
    assert verify(filled, settings=settings).ok


def test_the_checker_rejects_a_swapped_token(filled, tsa: LocalTSA, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [tsa.url], [tsa.ca_pem])
    publish_head(filled, settings)
    proof = prove(filled, 2, settings)
    other = request_token(tsa.url, b"another head", timeout=5, roots=[])
    proof["timestamps"][0]["token"] = base64.b64encode(other).decode()
    (tmp_path / "p.json").write_text(json.dumps(proof))
    run = subprocess.run(
        [sys.executable, "-m", "evidence.checker", str(tmp_path / "p.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "imprint" in run.stdout, run.stdout + run.stderr
