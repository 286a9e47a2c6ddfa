"""Sitemaps through crawler.discovery: urlsets, indexes, news sitemaps, gzip, broken ones."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from crawler import discovery
from crawler.page import Page
from crawler.sites import parser_class

C97 = parser_class("charter97")()
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def page(xml: str, *, gz: bool = False) -> Page:
    body = xml.encode()
    return Page(
        url="https://charter97.org/sitemap.xml",
        body=gzip.compress(body) if gz else body,
        headers={"content-type": "application/xml"},
    )


URLSET = f"""<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>
<url><loc>https://charter97.org/ru/news/2025/3/4/631957</loc><lastmod>2025-03-04T17:05:00+03:00</lastmod></url>
<url><loc>https://charter97.org/ru/news/</loc></url>
<url><loc>https://charter97.org/be/news/2025/3/3/631900/</loc><lastmod>2025-03-03</lastmod></url>
</urlset>"""


def test_urlset_gives_articles_and_lastmod() -> None:
    for gz in (False, True):
        found = discovery.discover(C97, page(URLSET, gz=gz))
        assert found.articles == [
            "https://charter97.org/ru/news/2025/3/4/631957/",
            "https://charter97.org/be/news/2025/3/3/631900/",
        ]
        assert found.lastmod == {
            "https://charter97.org/ru/news/2025/3/4/631957/": datetime(2025, 3, 4, 14, 5, tzinfo=UTC),
            "https://charter97.org/be/news/2025/3/3/631900/": datetime(2025, 3, 3, tzinfo=UTC),
        }
        assert found.sitemaps == []


def test_index_lists_the_most_recently_changed_children_first() -> None:
    children = "".join(
        f"<sitemap><loc>https://charter97.org/sitemap-{m}.xml</loc><lastmod>2025-{m:02d}-01</lastmod></sitemap>"
        for m in range(1, 13)
    )
    found = discovery.discover(C97, page(f'<?xml version="1.0"?><sitemapindex {NS}>{children}</sitemapindex>'))
    assert found.articles == []
    assert found.sitemaps == [f"https://charter97.org/sitemap-{m}.xml" for m in (12, 11, 10, 9, 8)]


def test_news_sitemap() -> None:
    xml = (
        f'<?xml version="1.0"?><urlset {NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>https://charter97.org/en/news/2025/10/7/1/</loc><news:news><news:publication_date>"
        "2025-10-07T17:05:00+03:00</news:publication_date></news:news></url></urlset>"
    )
    assert discovery.discover(C97, page(xml)).articles == ["https://charter97.org/en/news/2025/10/7/1/"]


def test_broken_or_truncated_sitemaps_yield_nothing() -> None:
    for body in (URLSET[:60], gzip.compress(URLSET.encode())[:40].decode("latin-1")):
        found = discovery.discover(C97, Page(url="https://charter97.org/s.xml", body=body.encode("latin-1")))
        assert found.articles == [] and found.sitemaps == []
