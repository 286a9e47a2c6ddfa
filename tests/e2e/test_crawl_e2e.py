"""End to end: crawl the local site with the real parser into a real store, twice and more."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Article, Capture, Event, Version
from tests.support import site_config

pytestmark = pytest.mark.slow


def counts(store: Store) -> dict[str, int]:
    with store.reader() as s:
        found = {
            name: s.scalar(select(func.count()).select_from(model))
            for name, model in (("articles", Article), ("captures", Capture), ("versions", Version), ("events", Event))
        }
        found["metrics"] = s.scalar(
            select(func.count()).select_from(Capture).where(Capture.views.is_not(None) | Capture.comments.is_not(None))
        )
        return found


def versions_of(store: Store, url: str) -> list[dict]:
    with store.reader() as s:
        article = s.scalars(select(Article).where(Article.url == url)).one()
        return [
            v.content for v in s.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.seq))
        ]


def events_of(store: Store, kind: str) -> list[Event]:
    with store.reader() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_capture_and_versioning_end_to_end(local_site, store_url):
    config = site_config(local_site, store_url)
    articles = local_site.articles()
    urls = {a.id: local_site.url(a.id) for a in articles}

    [run] = crawl_isolated(config)
    assert run.health == "ok", run
    store = Store(store_url).upgrade()
    first = counts(store)
    assert first["articles"] == first["versions"] == len(articles)
    assert len(events_of(store, "new")) == len(articles)
    en = next(a for a in articles if a.lang == "en")
    assert versions_of(store, urls[en.id])[0]["headline"] == en.headline

    # Unchanged pages (only the clock, ads and slogan move): captures, no versions.
    crawl_isolated(config)
    second = counts(store)
    assert second["captures"] > first["captures"]
    assert second["versions"] == first["versions"]

    # Views only: a new metric reading, still no version.
    views = en.views + 1234
    local_site.set_views(en.id, views)
    crawl_isolated(config)
    third = counts(store)
    assert third["versions"] == first["versions"]
    assert third["metrics"] > second["metrics"]
    with store.reader() as s:
        latest = s.scalars(
            select(Capture.views)
            .join(Article)
            .where(Article.url == urls[en.id], Capture.views.is_not(None))
            .order_by(Capture.fetched_at.desc())
        ).first()
    assert latest == views

    # A body edit, a headline edit and a back-dating each add a version and an edit event.
    body_a, head_a, date_a = [a for a in articles if a.id != en.id][:3]
    local_site.edit(body_a.id, body=[*body_a.body[:-1], "A sentence the editors added later."])
    local_site.edit(head_a.id, headline=head_a.headline + " (updated)")
    local_site.edit(date_a.id, date=datetime(2020, 1, 2, 3, 4))
    crawl_isolated(config)
    fourth = counts(store)
    assert fourth["versions"] == first["versions"] + 3
    edits = {e.article_id: set(e.details["changes"]) for e in events_of(store, "edited")}
    with store.reader() as s:
        ids = {u: s.scalar(select(Article.id).where(Article.url == u)) for u in urls.values()}
    body_edits = edits[ids[urls[body_a.id]]]
    assert {"body_changed"} <= body_edits or {"body_added", "body_removed"} & body_edits
    assert edits[ids[urls[head_a.id]]] == {"headline"}
    assert {"published_changed", "backdated"} <= edits[ids[urls[date_a.id]]]
    assert versions_of(store, urls[date_a.id])[-1]["published_raw"] == "2.01.2020, 03:04"

    # Deleted: a 404 confirmed at once with these thresholds.
    local_site.delete(en.id, "404")
    crawl_isolated(config)
    deleted = events_of(store, "deleted")
    assert [e.article_id for e in deleted] == [ids[urls[en.id]]]
    assert counts(store)["versions"] == fourth["versions"]
    store.close()
