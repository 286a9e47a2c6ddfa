"""SIGKILL against the capture writer: while batches are queued, and while one is committing.

A child process writes captures through :class:`crawler.writing.CaptureWriter` and is
killed at a moment it announces; the store must still pass both chains and ``verify``,
hold exactly the batches that committed, and keep the unwritten articles leased until
their lease ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from changes.times import utcnow
from store import chain
from store.db import Store
from store.models import Article, Blob, Capture
from store.writer import Archive

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 120
CHILD = r"""
import os, sys, time
from datetime import UTC, datetime, timedelta
from sqlalchemy import event
from sqlalchemy.orm import Session
from changes import Content, Outcome, Verdict
from changes.records import Fetched, Reading
from crawler.writing import CaptureWriter
from store.db import Store
from store.writer import Archive, ArticleRef, CaptureJob

url, mode, log, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def say(line):
    with open(log, "a") as f:
        f.write(line + "\n")

def job(i):
    link = f"https://example.org/news/{i}/"
    body = f"<html><body><h1>Story {i}</h1><p>{'words ' * 3000}</p></body></html>".encode()
    fetched = Fetched(kind="article", url=link, fetched_at=datetime.now(UTC), status=200, body=body)
    reading = Reading(parser="test", parser_version="1", views=i,
                      content=Content.build(headline=f"Story {i}", body=[f"paragraph {i}"]))
    return CaptureJob(fetched, Verdict(Outcome.OK, "http 200"), link, reading)

store = Store(url).upgrade()
archive = Archive(store)
run = archive.start_run("site", "test")
archive.discover(run, [ArticleRef(f"https://example.org/news/{i}/") for i in range(n)])
leased = archive.lease_due(run, limit=n, ttl=timedelta(minutes=30))
say(f"run {run} leased {len(leased)}")

record_many = archive.record_many
batches = []
def slow_record_many(run_id, jobs, **kw):
    time.sleep(0.05)  # a slow store: captures pile up in the queue
    batches.append(len(jobs))
    ids = record_many(run_id, jobs, **kw)
    say(f"committed {len(jobs)}")
    return ids
archive.record_many = slow_record_many

if mode == "committing":
    @event.listens_for(Session, "before_commit")
    def hang(session):
        if len(batches) == 3 and session.new | session.dirty:  # the third batch, flushed, not committed
            say("committing")
            time.sleep(60)

writer = CaptureWriter(archive, type("L", (), {"written": lambda *a: None, "not_stored": lambda *a: None,
                                                "store_failed": lambda *a: None, "unwritten": lambda *a: None})(),
                       call=lambda fn, *a: None, batch=8, size=16)
for i in range(n):
    while writer.put(run, job(i)) is not None:  # full: no reactor here, so wait and retry
        if mode == "queued" and not os.path.exists(log + ".full"):
            open(log + ".full", "w").close()
            say("queued")
        writer._waiting.clear()
        time.sleep(0.01)
writer.close()
say("done")
"""


def run_child(store_url: str, mode: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, store_url, mode, str(log), str(ARTICLES)], env=env, cwd=ROOT, stderr=err
        )


def wait_for(log: Path, word: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and word in log.read_text():
            return
        if proc.poll() is not None:
            pytest.fail(f"the child ended before {word!r}: {log.with_suffix('.err').read_text()[-2000:]}")
        time.sleep(0.01)
    proc.kill()
    pytest.fail(f"the child never said {word!r}")


def assert_consistent(store: Store) -> int:
    with store.reader() as s:
        rows = s.execute(
            select(
                Capture.id,
                Capture.article_id,
                Capture.record_hash,
                Capture.prev_hash,
                Capture.ledger_hash,
                Capture.response_sha256,
            ).order_by(Capture.id)
        ).all()
        blobs = dict(s.execute(select(Blob.sha256, Blob.base_sha256)).all())
        heads = dict(s.execute(select(Article.id, Article.head_hash)).all())
    previous, last = None, {}
    for r in rows:
        assert r.ledger_hash == chain.ledger_hash(previous, r.record_hash), f"capture {r.id}: ledger broken"
        previous = r.ledger_hash
        assert r.response_sha256 in blobs
        assert r.prev_hash == last.get(r.article_id)
        last[r.article_id] = r.record_hash
    assert all(base is None or base in blobs for base in blobs.values())
    assert all(head == last.get(a) for a, head in heads.items())
    return len(rows)


@pytest.mark.parametrize("mode", ["queued", "committing"])
def test_a_writer_killed_keeps_the_store_whole_and_the_rest_leased(store_url, tmp_path, mode):
    log = tmp_path / "child.log"
    proc = run_child(store_url, mode, log)
    try:
        wait_for(log, mode, proc)
        if mode == "queued":
            time.sleep(0.1)  # batches are queued, and one is probably mid-transaction
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    store = Store(store_url).upgrade()
    try:
        stored = assert_consistent(store)
        lines = log.read_text().splitlines()
        committed = sum(int(line.split()[1]) for line in lines if line.startswith("committed"))
        assert "done" not in lines, "the child finished before the kill"
        if mode == "committing":
            assert stored == committed == 16, "the batch killed mid-commit left a trace"
        else:  # the batch being written when killed may have committed before it said so
            assert committed <= stored <= committed + 8 and stored < ARTICLES
        with store.reader() as s:
            still_leased = set(s.scalars(select(Article.url).where(Article.lease_run_id.is_not(None))))
        assert len(still_leased) == ARTICLES - stored, "an unwritten article lost its lease, or a written one kept it"

        archive = Archive(store)
        other = archive.start_run("site", "test")
        assert archive.lease_due(other, limit=ARTICLES) == [], "leased articles were handed out before the lease ended"
        later = archive.lease_due(other, limit=ARTICLES, now=utcnow() + timedelta(minutes=31))
        assert still_leased <= {url for _, url in later}, "an unwritten article is not fetched again"
    finally:
        store.close()
    config = tmp_path / "palimpsest.toml"
    config.write_text(
        f'store = "{store_url}"\n[[sites]]\nname = "site"\nparser = "charter97"\n'
        'start_urls = ["https://example.org/"]\n'
    )
    verify = subprocess.run(
        [str(Path(sys.executable).with_name("palimpsest")), "--config", str(config), "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PALIMPSEST_")},
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
