"""A new site from palimpsest.toml alone: the local site read by the selector parser, no code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from palimpsest.config import load
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Article, Capture, Event, Version

pytestmark = pytest.mark.slow

CONFIG = """
store = "{store}"

[[sites]]
name = "evening"
parser = "selectors"
start_urls = ["{base}/en/news/", "{base}/ru/news/"]
article_urls = '/news/\\d{{4}}/\\d+/\\d+/\\d+/$'
edit_confirmations = 1
recheck_min = "0s"
recheck_max = "0s"
listing_pages = 1
timeout = 3.0

[sites.selectors]
root = "article.article"
headline = "h1"
lead = "p.lead"
body = "./p[not(@class)]"
published = "ul.article__info li:first-child"
published_format = "%d.%m.%Y, %H:%M"
views = "span.news__views"
comments = "a.news__counter"
noise = ["div.comments", "div.social"]
"""


def test_site_crawled_from_config_alone(local_site, store_url, tmp_path):
    path = tmp_path / "palimpsest.toml"
    path.write_text(CONFIG.format(store=store_url, base=local_site.base_url), encoding="utf-8")
    config = load(str(path), environ={})
    articles = {local_site.url(a.id): a for a in local_site.articles()}

    [run] = crawl_isolated(config)
    assert run.health == "ok", run
    store = Store(store_url)
    with store.reader() as s:
        read = {
            url: (content, views)
            for url, content, views in s.execute(
                select(Article.url, Version.content, Capture.views)
                .join(Version, Version.article_id == Article.id)
                .join(Capture, Capture.id == Version.first_capture_id)
            ).all()
        }
    assert set(read) == set(articles)
    for url, (content, views) in read.items():
        a = articles[url]
        assert (content["headline"], content["lead"], views) == (a.headline, a.lead, a.views)
        assert content["body"][: len(a.body)] == a.body
        assert content["published_raw"] == f"{a.date.day}.{a.date:%m.%Y, %H:%M}"

    edited = next(iter(articles.values()))
    local_site.edit(edited.id, headline=edited.headline + " (corrected)")
    [run] = crawl_isolated(config)
    assert run.health == "ok", run
    with store.reader() as s:
        events = s.execute(select(Event.kind, Article.url).join(Article).where(Event.kind != "new")).all()
    assert events == [("edited", local_site.url(edited.id))]
    store.close()
