"""The archive writer on both backends: versions, view counts, chains, leases, deltas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from store import chain
from store.db import Store
from store.models import Article, Blob, Capture, Event, Version
from store.writer import ArticleRef

T0 = datetime(2025, 10, 7, 14, 5, tzinfo=UTC)
URL = "https://charter97.org/en/news/2025/10/7/1/"
EAGER = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
PAD = "<div class='side'>" + "sidebar text " * 4000 + "</div>"


def page(headline: str, body: list[str], views: int) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        f"<html><head><title>{headline}</title></head><body><h1>{headline}</h1>"
        f"<span class='news__views'>{views:,}</span>{paragraphs}{PAD}</body></html>"
    ).encode()


def capture(
    archive: Archive, run: int, at: datetime, headline: str, body: list[str], views: int, *, status: int = 200
) -> int:
    html = page(headline, body, views) if status == 200 else b"<html><body>Not found</body></html>"
    fetched = Fetched(
        kind="article",
        url=URL,
        fetched_at=at,
        status=status,
        reason_phrase="OK",
        request_headers=(("User-Agent", "test"),),
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=html,
    )
    verdict = classify_fetch(status=status, error=None, headers=fetched.headers, body=html, url=URL, final_url=None)
    reading = (
        Reading(parser="test", parser_version="1", views=views, content=Content.build(headline=headline, body=body))
        if status == 200
        else None
    )
    return archive.record(run, fetched, verdict, article_url=URL, reading=reading)


@pytest.fixture
def archive(store_url):
    store = Store(store_url).upgrade()
    yield Archive(store, route=lambda site, kind: ["mail", "chat"])
    store.close()


def listing(archive: Archive, run: int, at: datetime) -> None:
    html = b"<html><body><a href='/en/news/2025/10/7/1/'>one</a></body></html>"
    fetched = Fetched(kind="listing", url="https://charter97.org/en/news/", fetched_at=at, status=200, body=html)
    verdict = classify_fetch(status=200, error=None, headers={}, body=html, url=fetched.url, final_url=None)
    archive.record(run, fetched, verdict)


def crawl_once(archive: Archive, at: datetime, headline: str, body: list[str], views: int, **kw) -> list[int]:
    run = archive.start_run("site", "test", now=at)
    listing(archive, run, at)
    archive.discover(run, [ArticleRef(URL)], now=at)
    capture(archive, run, at, headline, body, views, **kw)
    return archive.finish_run(run, policy=EAGER, health_policy=HealthPolicy(min_pages=10), now=at).events


def count(archive: Archive, model) -> int:
    with archive.store.reader() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_views_only_recapture_adds_metric_not_version(archive):
    crawl_once(archive, T0, "Headline", ["One.", "Two."], 100)
    crawl_once(archive, T0 + timedelta(minutes=15), "Headline", ["One.", "Two."], 250)
    assert count(archive, Version) == 1
    with archive.store.reader() as s:
        readings = s.execute(
            select(Capture.views, Capture.comments)
            .where((Capture.views.is_not(None)) | (Capture.comments.is_not(None)))
            .order_by(Capture.id)
        ).all()
        listing_counts = s.execute(select(Capture.views, Capture.comments).where(Capture.kind == "listing")).all()
    assert [tuple(r) for r in readings] == [(100, None), (250, None)]
    assert all(r == (None, None) for r in listing_counts)
    with archive.store.reader() as s:
        codecs = s.scalars(select(Blob.codec).where(Blob.size > 10000).order_by(Blob.depth)).all()
    assert codecs == ["zstd", "zstd-delta"]  # the recapture is a delta against the first


def test_edit_revert_delete_restore_events_and_outbox(archive):
    times = [T0 + timedelta(hours=i) for i in range(5)]
    crawl_once(archive, times[0], "Headline", ["One."], 1)
    crawl_once(archive, times[1], "Headline changed", ["One."], 2)
    crawl_once(archive, times[2], "Headline", ["One."], 3)
    crawl_once(archive, times[3], "Headline", ["One."], 4, status=404)
    crawl_once(archive, times[4], "Headline", ["One."], 5)
    with archive.store.reader() as s:
        kinds = s.scalars(select(Event.kind).order_by(Event.id)).all()
        edited = s.scalars(select(Event).where(Event.kind == "edited")).one()
    assert kinds == ["new", "edited", "reverted", "deleted", "restored"]
    assert edited.details["changes"] == ["headline"]
    assert count(archive, Version) == 2  # the revert points back at version 1


def test_a_lone_404_confirms_no_deletion(archive):
    crawl_once(archive, T0, "Headline", ["One."], 1)
    run = archive.start_run("site", "test", now=T0)
    capture(archive, run, T0 + timedelta(hours=3), "Headline", ["One."], 1, status=404)
    result = archive.finish_run(run, policy=EAGER, health_policy=HealthPolicy(), now=T0 + timedelta(hours=3))
    assert result.health.status == "inconclusive"
    assert result.events == []  # neither a deletion nor an operator alert


def test_chains_link_every_capture(archive):
    for i in range(3):
        crawl_once(archive, T0 + timedelta(minutes=i), "H", [f"p{i}"], i)
    with archive.store.reader() as s:
        captures = s.scalars(select(Capture).where(Capture.kind == "article").order_by(Capture.id)).all()
        head = s.scalar(select(Article.head_hash))
    assert captures[0].prev_hash is None
    assert [c.prev_hash for c in captures[1:]] == [c.record_hash for c in captures[:-1]]
    assert head == captures[-1].record_hash
    with archive.store.reader() as s:
        every = s.execute(select(Capture.id, Capture.record_hash, Capture.ledger_hash).order_by(Capture.id)).all()
    assert len(every) == 6  # listings and articles alike
    previous = None
    for _, record_hash, ledger_hash in every:
        assert ledger_hash == chain.ledger_hash(previous, record_hash)
        previous = ledger_hash


def test_leases_keep_two_runs_apart(archive):
    run_a = archive.start_run("site", "test", now=T0)
    run_b = archive.start_run("site", "test", now=T0)
    urls = [ArticleRef(f"https://charter97.org/en/news/2025/10/7/{i}/") for i in range(10)]
    assert archive.discover(run_a, urls, now=T0) == 10
    assert archive.discover(run_b, urls, now=T0) == 0
    got_a = archive.lease_due(run_a, limit=6, now=T0)
    got_b = archive.lease_due(run_b, limit=6, now=T0)
    assert len(got_a) == 6 and len(got_b) == 4
    assert not {u for _, u in got_a} & {u for _, u in got_b}
    # An expired lease is free again for another run; a run never takes its own twice.
    later = T0 + timedelta(hours=1)
    assert {u for _, u in archive.lease_due(run_b, limit=10, now=later)} == {u for _, u in got_a}
    run_c = archive.start_run("site", "test", now=later)
    assert len(archive.lease_due(run_c, limit=10, now=later + timedelta(hours=1))) == 10


def test_broken_run_confirms_nothing(archive):
    crawl_once(archive, T0, "Headline", ["One."], 1)
    run = archive.start_run("site", "test", now=T0)
    capture(archive, run, T0 + timedelta(minutes=1), "Rewritten", ["Other."], 2)
    for i in range(4):  # most pages fail: the run is judged broken
        fetched = Fetched(kind="article", url=f"{URL}x{i}/", fetched_at=T0, error="TimeoutError: took too long")
        verdict = classify_fetch(
            status=None, error=fetched.error, headers={}, body=b"", url=fetched.url, final_url=None
        )
        archive.record(run, fetched, verdict, article_url=f"{URL}x{i}/")
    result = archive.finish_run(run, policy=EAGER, health_policy=HealthPolicy(min_pages=4), now=T0)
    assert result.health.status == "unreachable"
    with archive.store.reader() as s:
        kinds = s.scalars(select(Event.kind).order_by(Event.id)).all()
    assert kinds == ["new", "site_unreachable"]
