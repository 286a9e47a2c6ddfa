"""Discovery from the local site's sitemap index, news sitemap and the Belarusian edition."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from localsite import LocalSite, SiteArticle, default_articles
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Article, Capture, Event, Version
from tests.support import site_config

pytestmark = pytest.mark.slow

BELARUSIAN = SiteArticle(  # synthetic, like every article of the local site
    id=700201,
    lang="be",
    date=datetime(2025, 10, 7, 12, 30),
    headline="Гарадская рада Зарэчанска адклала галасаванне пра мост",
    lead="Дэпутаты сказалі, што кошторыс рамонту моста вырас удвая.",
    body=[
        "Гарадская рада выдуманага горада Зарэчанск адклала галасаванне ў панядзелак.",
        "Наступнае пасяджэнне прызначана на канец месяца.",
    ],
)


@pytest.fixture
def site():
    with LocalSite([*default_articles(), BELARUSIAN]) as served:
        yield served


def test_sitemaps_discover_and_lastmod_rechecks_sooner(site, store_url):
    # Sitemaps alone; known articles are not due again for an hour unless the sitemap says so.
    config = site_config(
        site, store_url, start_urls=[], feeds=[], sitemaps=[site.sitemap_url()], recheck_min="1h", recheck_max="7d"
    )
    assert crawl_isolated(config)[0].health == "ok"
    store = Store(store_url)
    with store.reader() as s:
        read = dict(
            s.execute(select(Article.url, Version.content).join(Version, Version.article_id == Article.id)).all()
        )
    assert set(read) == {site.url(a.id) for a in site.articles()}
    be = read[site.url(BELARUSIAN.id)]
    assert (be["headline"], be["published_raw"]) == (BELARUSIAN.headline, "7.10.2025, 12:30")

    edited = site.articles()[0]
    site.edit(edited.id, headline=edited.headline + " (updated)")
    assert crawl_isolated(config)[0].health == "ok"
    with store.reader() as s:
        fetched_twice = s.scalars(
            select(Article.url).join(Capture).group_by(Article.url).having(func.count() > 1)
        ).all()
        events = s.execute(select(Event.kind, Article.url).join(Article).where(Event.kind != "new")).all()
    assert fetched_twice == [site.url(edited.id)]  # only the one the sitemap says changed
    assert events == [("edited", site.url(edited.id))]
    store.close()
