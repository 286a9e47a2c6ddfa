"""Suspect values (a view count of -5, a date in 2099) are recorded and never alone an edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from changes import HealthPolicy, Policy, classify_fetch
from changes.records import Fetched
from crawler.items import ArticleItem, CaptureItem
from crawler.reading import reading_of
from crawler.sites import parser_class
from detection import Archive
from store.db import Store
from store.models import Capture, Event
from store.writer import ArticleRef

T0 = datetime(2025, 10, 7, 14, 5, tzinfo=UTC)
URL = "https://charter97.org/en/news/2025/10/7/1/"
EAGER = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
MINSK = datetime(2025, 10, 7, 10, 0).astimezone(UTC)


def item(at: datetime, *, headline: str = "Bridge opens", published: datetime = MINSK, views: int = 100) -> CaptureItem:
    body = f"<html><body><h1>{headline}</h1></body></html>".encode()
    fetched = Fetched(kind="article", url=URL, fetched_at=at, status=200, body=body)
    article = ArticleItem(
        url=URL,
        headline=headline,
        body=("One paragraph.",),
        published=published,
        published_raw=published.strftime("%d.%m.%Y, %H:%M"),
        views=views,
        comments=1,
    )
    return CaptureItem(fetched=fetched, article_url=URL, article=article, parser="test", parser_version="1")


def crawl(archive: Archive, capture: CaptureItem) -> tuple[int, list[int]]:
    at = capture.fetched.fetched_at
    run = archive.start_run("site", "test", now=at)
    archive.discover(run, [ArticleRef(URL)], now=at)
    fetched = capture.fetched
    verdict = classify_fetch(status=200, error=None, headers={}, body=fetched.body, url=URL, final_url=None)
    reading = reading_of(capture, parser_class("generic")())
    capture_id = archive.record(run, fetched, verdict, article_url=URL, reading=reading)
    events = archive.finish_run(run, policy=EAGER, health_policy=HealthPolicy(min_pages=10), now=at).events
    return capture_id, events


@pytest.fixture
def archive(store_url):
    store = Store(store_url).upgrade()
    yield Archive(store)
    store.close()


def test_suspect_values_are_recorded_and_never_alone_an_edit(archive):
    first, _ = crawl(archive, item(T0))
    future = datetime(2099, 1, 1, 9, tzinfo=UTC)
    odd, events = crawl(archive, item(T0 + timedelta(hours=1), published=future, views=-5))
    assert events == []  # a date in 2099 alone is no edit
    ancient, events = crawl(archive, item(T0 + timedelta(hours=2), published=datetime(1970, 1, 1, tzinfo=UTC)))
    assert events == []
    real, events = crawl(archive, item(T0 + timedelta(hours=3), headline="Bridge opening delayed", published=future))
    store = archive.store
    with store.reader() as s:
        rows = {c.id: c for c in s.scalars(select(Capture).where(Capture.id.in_([first, odd, ancient, real])))}
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
        [edit] = s.scalars(select(Event).where(Event.kind == "edited"))
    assert rows[odd].version_id == rows[first].version_id == rows[ancient].version_id
    assert rows[odd].meta["suspect"] == {"views": -5, "published": future.isoformat()}
    assert rows[odd].views is None  # never a metric
    assert rows[ancient].meta["suspect"] == {"published": "1970-01-01T00:00:00+00:00"}
    assert "suspect" not in rows[first].meta
    # A real change besides a suspect value is an edit, and only of what really changed.
    assert kinds == ["new", "edited"]
    assert edit.details["changes"] == ["headline"]
