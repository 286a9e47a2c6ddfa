"""Article links from a listing page or a feed: the spider's one entry point to discovery.

Feeds are read here, not by site parsers, so that every parser (generic and
config-defined ones included) discovers from feeds alike; the parser only says which
links are articles and how their URLs are written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.feeds import feed_links, is_feed

if TYPE_CHECKING:
    from crawler.page import Page
    from crawler.sites.base import SiteParser


def article_links(parser: SiteParser, page: Page) -> list[str]:
    """Canonical article URLs found on ``page``: a feed's items, else the parser's listing links."""
    if is_feed(page):
        return parser.canonical_links(page, feed_links(page))
    return list(parser.article_links(page))
