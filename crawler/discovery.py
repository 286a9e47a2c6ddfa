"""Article links from a listing page, a feed or a sitemap: the spider's one entry to discovery.

Feeds and sitemaps are read here, not by site parsers, so that every parser (generic
and config-defined ones included) discovers from them alike; the parser only says which
links are articles and how their URLs are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.feeds import feed_links, is_feed
from crawler.sitemaps import is_sitemap, read_sitemap

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.page import Page
    from crawler.sites.base import SiteParser


@dataclass
class Found:
    articles: list[str] = field(default_factory=list)
    """Canonical article URLs, in page order."""
    lastmod: dict[str, datetime] = field(default_factory=dict)
    """When a sitemap says an article last changed (UTC)."""
    sitemaps: list[str] = field(default_factory=list)
    """Sitemaps a sitemap index points to, to fetch next."""


def discover(parser: SiteParser, page: Page) -> Found:
    """What ``page`` leads to: a sitemap's or a feed's entries, else the parser's listing links."""
    if is_sitemap(page):
        listed = read_sitemap(page)
        found = Found(sitemaps=listed.sitemaps)
        for loc, lastmod in listed.pages:
            for url in parser.canonical_links(page, [loc]):
                found.articles.append(url)
                if lastmod is not None:
                    found.lastmod[url] = lastmod
        return found
    return Found(articles=article_links(parser, page))


def article_links(parser: SiteParser, page: Page) -> list[str]:
    """Canonical article URLs found on ``page``: a feed's items, else the parser's listing links."""
    if is_feed(page):
        return parser.canonical_links(page, feed_links(page))
    return list(parser.article_links(page))
