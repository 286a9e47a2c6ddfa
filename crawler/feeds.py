"""RSS and Atom feeds: recognise one and read its article links, for every site parser."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from parsel import Selector

from crawler.parsing import collapse

if TYPE_CHECKING:
    from crawler.page import Page

logger = logging.getLogger(__name__)

FEED_LINKS = (
    "//item/link/text()"
    " | //*[local-name()='item']/*[local-name()='link']/text()"  # RSS 1.0 (RDF) items
    " | //*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
)
_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")


def is_feed(page: Page) -> bool:
    """An RSS 2.0, RSS 1.0 or Atom document (by content type, else by its first bytes)."""
    content_type = page.headers.get("content-type", "").lower()
    if ("rss" in content_type or "atom" in content_type) and "html" not in content_type:
        return True
    head = page.body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) and bool(_ROOT.search(head))


def feed_links(page: Page) -> list[str]:
    """The item links of a feed, in feed order; none from a broken feed."""
    try:
        feed = Selector(text=page.text, type="xml")
        return [link for link in map(collapse, feed.xpath(FEED_LINKS).getall()) if link]
    except Exception:  # a broken feed yields no links rather than a failed run
        logger.debug("unreadable feed %s", page.url, exc_info=True)
        return []
