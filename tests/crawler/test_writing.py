"""The capture writer: batches, backpressure that never drops, store errors, one bad capture."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from changes import Content, Outcome, Verdict
from changes.records import Fetched, Reading
from crawler.writing import CaptureWriter
from store import chain
from store.db import Store
from store.models import Article, Capture, Version
from store.writer import Archive, ArticleRef, CaptureJob

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def job(i: int, *, body: bytes | None = None) -> CaptureJob:
    url = f"https://example.org/news/{i}/"
    html = body or f"<html><body><h1>Story {i}</h1><p>{'text ' * 200}</p></body></html>".encode()
    fetched = Fetched(
        kind="article", url=url, fetched_at=T0, status=200, body=html, response_headers=(("Content-Type", "text/html"),)
    )
    reading = Reading(
        parser="test",
        parser_version="1",
        views=i,
        content=Content.build(headline=f"Story {i}", body=[f"paragraph {i}"]),
    )
    return CaptureJob(fetched, Verdict(Outcome.OK, "http 200"), url, reading)


class Recorded:
    """A listener that keeps every report (called on the writer thread in these tests)."""

    def __init__(self) -> None:
        self.jobs: list[CaptureJob] = []
        self.bad: list[CaptureJob] = []
        self.store_errors: list[Exception] = []
        self.lost = 0

    def written(self, jobs):
        self.jobs += jobs

    def not_stored(self, job, exc):
        self.bad.append(job)

    def store_failed(self, exc):
        self.store_errors.append(exc)

    def unwritten(self, count):
        self.lost += count


class FakeArchive:
    """Keeps the batches it is given; ``gate`` holds the first one until it is set."""

    def __init__(self, fail: Exception | None = None, bad_url: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fail = fail
        self.bad_url = bad_url

    def record_many(self, run_id, jobs, *, schedule=None):
        self.entered.set()
        self.gate.wait(10)
        if self.fail:
            raise self.fail
        if self.bad_url and any(j.fetched.url == self.bad_url for j in jobs):
            raise ValueError("a bug with one capture")
        self.batches.append([j.fetched.url for j in jobs])
        return list(range(len(jobs)))


def direct(fn, *args):
    fn(*args)


def test_captures_queued_while_a_batch_commits_go_in_the_next_batches_in_order():
    archive, reports = FakeArchive(), Recorded()
    writer = CaptureWriter(archive, reports, call=direct, batch=8, size=100)
    assert writer.put(1, job(0)) is None
    assert archive.entered.wait(5)  # the first batch is committing
    for i in range(1, 20):
        assert writer.put(1, job(i)) is None
    archive.gate.set()
    assert writer.close(10)
    urls = [u for batch in archive.batches for u in batch]
    assert urls == [job(i).fetched.url for i in range(20)]
    assert archive.batches[0] == [job(0).fetched.url]
    assert max(len(b) for b in archive.batches) == 8, "queued captures were not batched"
    assert len(reports.jobs) == 20 and writer.written == 20


def test_a_full_queue_makes_the_caller_wait_and_drops_nothing():
    archive, reports = FakeArchive(), Recorded()
    writer = CaptureWriter(archive, reports, call=direct, batch=4, size=3)
    assert writer.put(1, job(0)) is None
    assert archive.entered.wait(5)
    immediate = [writer.put(1, job(i)) for i in range(1, 4)]
    assert immediate == [None] * 3  # the queue holds three
    held = [writer.put(1, job(i)) for i in range(4, 10)]
    assert all(d is not None and not d.called for d in held), "a full queue must hold the caller back"
    archive.gate.set()
    assert writer.close(10)
    assert all(d.called for d in held)
    assert [u for b in archive.batches for u in b] == [job(i).fetched.url for i in range(10)]


def test_a_store_error_stops_writing_and_counts_what_was_not_written():
    archive, reports = FakeArchive(fail=OperationalError("INSERT", {}, Exception("disk I/O error"))), Recorded()
    writer = CaptureWriter(archive, reports, call=direct, batch=4, size=100)
    writer.put(1, job(0))
    assert archive.entered.wait(5)
    for i in range(1, 6):
        writer.put(1, job(i))
    archive.gate.set()
    assert writer.close(10)
    assert len(reports.store_errors) == 1 and writer.failed is reports.store_errors[0]
    assert reports.lost == 6 and reports.jobs == []


def test_one_bad_capture_costs_only_itself():
    bad = job(3).fetched.url
    archive, reports = FakeArchive(bad_url=bad), Recorded()
    archive.gate.set()
    writer = CaptureWriter(archive, reports, call=direct, batch=8, size=100)
    for i in range(8):
        writer.put(1, job(i))
    assert writer.close(10)
    assert [j.fetched.url for j in reports.bad] == [bad]
    assert sorted(j.fetched.url for j in reports.jobs) == sorted(job(i).fetched.url for i in range(8) if i != 3)
    assert reports.store_errors == []


@pytest.fixture
def archive(store_url):
    store = Store(store_url).upgrade()
    yield Archive(store)
    store.close()


def test_a_batch_on_a_real_store_chains_in_order_and_links_versions(archive):
    run = archive.start_run("site", "test")
    jobs = [job(i) for i in range(6)] + [job(2)]  # the last one recaptures article 2, same content
    archive.discover(run, [ArticleRef(j.article_url) for j in jobs])
    ids = archive.record_many(run, jobs)
    assert ids == sorted(ids) and len(set(ids)) == 7
    with archive.store.reader() as s:
        rows = s.execute(
            select(
                Capture.id,
                Capture.record_hash,
                Capture.ledger_hash,
                Capture.prev_hash,
                Capture.version_id,
                Capture.article_id,
            ).order_by(Capture.id)
        ).all()
        versions = s.scalar(select(func.count()).select_from(Version))
        heads = dict(s.execute(select(Article.id, Article.head_hash)).all())
        leased = s.scalar(select(func.count()).select_from(Article).where(Article.lease_run_id.is_not(None)))
    previous = None
    for row in rows:
        assert row.ledger_hash == chain.ledger_hash(previous, row.record_hash)
        previous = row.ledger_hash
    assert versions == 6, "a recapture with the same content made a second version"
    again = rows[-1]
    first = next(r for r in rows if r.article_id == again.article_id)
    assert again.prev_hash == first.record_hash and again.version_id == first.version_id
    assert heads[again.article_id] == again.record_hash
    assert leased == 0


def test_a_batch_is_all_or_nothing(archive):
    run = archive.start_run("site", "test")
    broken = job(3)._replace(verdict=None)  # no verdict: fails half-way through the batch
    with pytest.raises(AttributeError):
        archive.record_many(run, [job(0), job(1), broken, job(4)])
    with archive.store.reader() as s:
        assert s.scalar(select(func.count()).select_from(Capture)) == 0
        assert s.scalar(select(func.count()).select_from(Version)) == 0


def test_a_store_error_counts_only_what_it_cost():
    class FailsForRunTwo(FakeArchive):
        def record_many(self, run_id, jobs, *, schedule=None):
            if run_id == 2:
                raise OperationalError("INSERT", {}, Exception("database is locked"))
            return super().record_many(run_id, jobs, schedule=schedule)

    archive, reports = FailsForRunTwo(), Recorded()
    writer = CaptureWriter(archive, reports, call=direct, batch=8, size=100)
    writer.put(1, job(0))
    assert archive.entered.wait(5)  # held: the next three queue up and go in one batch
    writer.put(1, job(1))
    writer.put(2, job(2))
    writer.put(2, job(3))
    archive.gate.set()
    assert writer.close(10)
    assert [j.fetched.url for j in reports.jobs] == [job(0).fetched.url, job(1).fetched.url]
    assert reports.lost == 2 and len(reports.store_errors) == 1
