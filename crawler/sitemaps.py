"""Sitemaps, sitemap indexes and news sitemaps, read with Scrapy's sitemap utilities."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

if TYPE_CHECKING:
    from crawler.page import Page

logger = logging.getLogger(__name__)

MAX_UNZIPPED = 50 * 1024 * 1024
"""The sitemap protocol's own limit on an uncompressed sitemap."""
CHILD_SITEMAPS = 5
"""Sitemaps of an index read per run: those changed last (news sites keep years of them)."""


@dataclass
class SitemapLinks:
    """What one sitemap lists: pages with their ``lastmod``, or (an index) more sitemaps."""

    pages: list[tuple[str, datetime | None]] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def is_sitemap(page: Page) -> bool:
    head = _body(page)[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return b"<urlset" in head or b"<sitemapindex" in head


def read_sitemap(page: Page) -> SitemapLinks:
    """The entries of a sitemap (gzipped or not); an index's children, most recently changed first."""
    found = SitemapLinks()
    try:
        sitemap = Sitemap(_body(page))
        entries = [(e["loc"], _lastmod(e.get("lastmod"))) for e in sitemap if e.get("loc")]
    except Exception:  # a broken sitemap yields nothing rather than a failed run
        logger.debug("unreadable sitemap %s", page.url, exc_info=True)
        return found
    if sitemap.type == "sitemapindex":
        newest = sorted(entries, key=lambda e: e[1] or datetime.min.replace(tzinfo=UTC), reverse=True)
        found.sitemaps = [loc for loc, _ in newest[:CHILD_SITEMAPS]]
    else:
        found.pages = entries
    return found


def _body(page: Page) -> bytes:
    if page.body[:2] == b"\x1f\x8b":
        try:
            return gunzip(page.body, max_size=MAX_UNZIPPED)
        except Exception:  # truncated or too large: nothing to read
            logger.debug("cannot gunzip sitemap %s", page.url, exc_info=True)
            return b""
    return page.body


def _lastmod(value: str | None) -> datetime | None:
    """W3C datetime (``2025-10-07``, ``2025-10-07T17:05:00+03:00``), as UTC; None if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
