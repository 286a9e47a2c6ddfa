"""End to end with ``parser = "generic"``: feeds discover, health holds, one edit is one alert."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Article, Event, Version
from tests.support import site_config

pytestmark = pytest.mark.slow


def test_generic_site_alerts_one_edit(local_site, store_url):
    # Feeds only: discovery from a feed must not depend on a site parser.
    config = site_config(local_site, store_url, name="g", parser="generic", start_urls=[], edit_confirmations=2)
    articles = local_site.articles()
    runs = [crawl_isolated(config)[0]]
    store = Store(store_url).upgrade()
    with store.reader() as s:
        urls = set(s.scalars(select(Article.url)).all())
    assert urls == {local_site.url(a.id) for a in articles}

    # Counters tick on every page: still no new version anywhere.
    for a in articles:
        local_site.set_views(a.id, a.views + 977)
        local_site.set_comments(a.id, a.comments + 3)
    runs.append(crawl_isolated(config)[0])
    with store.reader() as s:
        assert len(s.scalars(select(Version)).all()) == len(articles)

    edited = articles[2]
    local_site.edit(edited.id, body=[*edited.body, "A paragraph the editors slipped in later."])
    runs += [crawl_isolated(config)[0], crawl_isolated(config)[0]]
    assert [r.health for r in runs] == ["ok"] * 4, [r.reason for r in runs]
    with store.reader() as s:
        events = s.execute(
            select(Event.kind, Article.url)
            .join(Article, Event.article_id == Article.id, isouter=True)
            .where(Event.kind != "new")
        ).all()
        body = s.scalars(
            select(Version.content)
            .join(Article)
            .where(Article.url == local_site.url(edited.id))
            .order_by(Version.seq.desc())
        ).first()["body"]
    assert events == [("edited", local_site.url(edited.id))]
    assert "A paragraph the editors slipped in later." in body
    assert body[0] == edited.lead  # no counter, date or view line before the text
    store.close()
