"""The signed Merkle log: heads after runs, proofs an outsider checks, and what verify catches."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence import checker
from evidence.log import LogError, latest_head_text, parse_heads, prove, publish_head
from evidence.settings import LogSettings
from evidence.verify import Report, verify
from tests.support.evidence import ARTICLE_A, ARTICLE_B, PARAS, Filler, scalar, tamper

CHECKER = Path(checker.__file__)


@pytest.fixture
def settings(tmp_path: Path) -> LogSettings:
    return LogSettings(key_path=tmp_path / "keys" / "palimpsest.key", heads_file=tmp_path / "heads.jsonl")


def named(report: Report, *fragments: str) -> None:
    lines = [str(f) for f in report.failures]
    assert not report.ok
    assert any(all(f in line for f in fragments) for line in lines), "\n".join(lines)


def more_captures(store) -> None:
    f = Filler(store)
    f.article(ARTICLE_A, "Minister resigns after vote", PARAS + ["A third line."], views=80)
    f.article(ARTICLE_B, "Storm hits coast", ["Winds of 120 km/h."], views=9)
    f.finish()


def test_heads_are_signed_stored_and_appended(filled, settings: LogSettings) -> None:
    head = publish_head(filled, settings)
    assert head["tree_size"] == 9
    assert publish_head(filled, settings) is None  # nothing new: no second head of one size
    assert settings.key_path.stat().st_mode & 0o777 == 0o600
    assert settings.key_path.with_name("palimpsest.key.pub").exists()
    more_captures(filled)
    second = publish_head(filled, settings)
    assert second["tree_size"] == 11
    kept = parse_heads(settings.heads_file.read_text())
    assert [h["tree_size"] for h in kept] == [9, 11]
    checker.verify_head(kept[1], second["key_fingerprint"])
    assert latest_head_text(filled).startswith(f"Tree head {second['origin']}: 11 captures, root {second['root_hash']}")
    report = verify(filled, settings=settings)
    assert report.ok, [str(f) for f in report.failures]
    assert report.checked["tree heads"] == 4  # two in the store, two in the heads file
    assert report.checked["tree head roots"] == 4
    assert f"fingerprint {second['key_fingerprint']}" in report.notes[0]


def test_the_key_lives_outside_the_store_and_is_reused(filled, settings: LogSettings) -> None:
    first = publish_head(filled, settings)
    more_captures(filled)
    assert publish_head(filled, settings)["key_fingerprint"] == first["key_fingerprint"]
    blobs = scalar(filled, "SELECT count(*) FROM blobs WHERE data LIKE :k", k=b"%PRIVATE KEY%")
    assert blobs == 0


def test_a_proof_verifies_in_a_process_without_the_store(filled, settings: LogSettings, tmp_path: Path) -> None:
    publish_head(filled, settings)
    more_captures(filled)
    latest = publish_head(filled, settings)
    proof = prove(filled, 3, settings)
    assert proof["tree_head"]["tree_size"] == 9  # the first head covering it dates it
    assert proof["latest_head"]["tree_size"] == 11 and "11" in proof["consistency"]
    alone = tmp_path / "outsider"
    alone.mkdir()
    shutil.copy(CHECKER, alone / "checker.py")
    (alone / "proof.json").write_text(json.dumps(proof))
    (alone / "head.json").write_text(json.dumps(latest))
    run = subprocess.run(
        [sys.executable, "-I", "checker.py", "proof.json", "--key", latest["key_fingerprint"], "--head", "head.json"],
        cwd=alone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "inclusion: leaf 2 of 9" in run.stdout
    assert "consistency: the tree of 9 is a prefix of the kept head of 11" in run.stdout
    assert "sqlalchemy" not in (alone / "checker.py").read_text().lower()

    def check(doc: dict, *args: str) -> subprocess.CompletedProcess:
        (alone / "bad.json").write_text(json.dumps(doc))
        return subprocess.run(
            [sys.executable, "-I", "checker.py", "bad.json", *args],
            cwd=alone,
            capture_output=True,
            text=True,
            check=False,
        )

    altered = json.loads(json.dumps(proof))
    altered["record"]["status"] = 404
    assert "FAIL: the record hashes to" in check(altered).stdout
    forged = json.loads(json.dumps(proof))
    forged["tree_head"]["timestamp"] = "2020-01-01T00:00:00.000000Z"
    assert "signature does not verify" in check(forged).stdout
    assert "not by " in check(proof, "--key", "0" * 64).stdout


def test_no_proof_before_a_head_covers_the_capture(filled, settings: LogSettings) -> None:
    with pytest.raises(LogError, match="newer than the latest tree head"):
        prove(filled, 9, settings)


def test_removing_the_newest_captures_after_a_head_is_named(filled, settings: LogSettings) -> None:
    publish_head(filled, settings)
    article_b = scalar(filled, "SELECT article_id FROM captures WHERE id = 9")
    prev = scalar(filled, "SELECT record_hash FROM captures WHERE id = 5")
    # A careful attacker: the newest capture, its events, its blobs, and the article's head all go.
    tamper(filled, "DELETE FROM alerts WHERE event_id IN (SELECT id FROM events WHERE capture_id = 9)")
    tamper(filled, "DELETE FROM events WHERE capture_id = 9")
    blob = scalar(filled, "SELECT response_sha256 FROM captures WHERE id = 9")
    tamper(filled, "DELETE FROM captures WHERE id = 9")
    tamper(filled, "DELETE FROM blobs WHERE sha256 = :b", b=blob)
    tamper(filled, "UPDATE articles SET head_hash = :h WHERE id = :a", h=prev, a=article_b)
    tamper(filled, "UPDATE runs SET stats = :s", s=json.dumps({}))
    report = verify(filled, settings=settings)
    named(report, "tree head 9 (heads file)", "holds only 8", "newest 1 captures", "after capture 8")
    # Even with the store's own heads deleted, the heads file and a reader's copy still tell.
    tamper(filled, "DELETE FROM tree_heads")
    assert not verify(filled, settings=settings).ok
    kept = parse_heads(settings.heads_file.read_text())
    witness_only = LogSettings(key_path=settings.key_path, heads_file=None)
    named(verify(filled, settings=witness_only, witnesses=kept), "tree head 9 (kept head)", "were removed")
    assert verify(filled, settings=witness_only).ok  # without a witness, nothing is left to tell


def test_an_altered_capture_breaks_the_signed_root(filled, settings: LogSettings) -> None:
    publish_head(filled, settings)
    tamper(filled, "UPDATE captures SET record_hash = :h WHERE id = 4", h="ab" * 32)
    named(verify(filled, settings=settings), "tree head 9 (store)", "another root", "up to capture 9")


def test_a_forged_tree_head_is_named(filled, settings: LogSettings) -> None:
    publish_head(filled, settings)
    tamper(filled, "UPDATE tree_heads SET root_hash = :r", r="cd" * 32)
    report = verify(filled, settings=settings)
    named(report, "tree head 9 (store)", "head", "forged or altered", "signature does not verify")
    # A head signed by another key is forged too, however well formed.
    other = LogSettings(key_path=settings.key_path.with_name("other.key"), heads_file=None)
    forged = publish_head_elsewhere(filled, other)
    named(verify(filled, settings=settings, witnesses=[forged]), "tree head 9 (kept head)", "not by")


def publish_head_elsewhere(store, settings: LogSettings) -> dict:
    import base64

    from evidence.checker import head_message
    from evidence.keys import load_or_create

    key = load_or_create(settings.key_path)
    head = {
        "format": checker.HEAD_FORMAT,
        "origin": key.origin,
        "tree_size": 9,
        "root_hash": "ef" * 32,
        "timestamp": "2025-10-07T20:00:00.000000Z",
        "key_fingerprint": key.fingerprint,
        "public_key": key.public_b64,
    }
    head["signature"] = base64.b64encode(key.sign(head_message(head))).decode()
    return head


def test_verify_head_by_root_hash(filled, settings: LogSettings) -> None:
    head = publish_head(filled, settings)
    assert verify(filled, settings=settings, witnesses=[{"root_hash": head["root_hash"], "tree_size": None}]).ok
    bare = LogSettings(key_path=settings.key_path, heads_file=None)
    tamper(filled, "DELETE FROM tree_heads")
    assert verify(filled, settings=bare, witnesses=[{"root_hash": head["root_hash"], "tree_size": None}]).ok
    named(
        verify(filled, settings=bare, witnesses=[{"root_hash": "12" * 32, "tree_size": None}]), "kept root", "no prefix"
    )


@pytest.mark.slow
def test_a_crawl_publishes_a_head(local_site, tmp_path: Path) -> None:
    from palimpsest.crawl import crawl_isolated
    from store.db import Store
    from tests.support import site_config

    config = site_config(local_site, f"sqlite:///{tmp_path / 'crawl.db'}")
    assert config.evidence.key_path == tmp_path / "palimpsest.key"
    crawl_isolated(config)
    store = Store(config.store_url)
    try:
        head = parse_heads((tmp_path / "palimpsest-heads.jsonl").read_text())[-1]
        assert head["tree_size"] == scalar(store, "SELECT count(*) FROM captures") > 0
        assert verify(store, settings=config.evidence).ok
    finally:
        store.close()
