"""Fallback parser for any news site: trafilatura for the body, htmldate for the date."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

import trafilatura
from htmldate import find_date
from trafilatura.utils import load_html

from crawler.items import ArticleItem
from crawler.parsing import collapse, element_text, html_selector, is_noise_line
from crawler.sites import register
from crawler.sites.base import ParseError, SiteParser

if TYPE_CHECKING:
    from crawler.page import Page

logger = logging.getLogger(__name__)

HEADLINE = ("//meta[@property='og:title']/@content", "//h1", "//title")
CANONICAL = "//link[@rel='canonical']/@href"
# Precision/recall trade-off measured with bench/extraction.py on the fundus set.
# favor_precision/favor_recall and tables each scored lower there.
EXTRACT_OPTIONS = {"include_comments": False, "include_tables": False}
# Extensive search costs ~2 ms a page and wins ~4 points of accuracy (bench/extraction.py).
DATE_OPTIONS = {"original_date": True, "extensive_search": True}

# Counters, date lines and share widgets, dropped before the body is extracted. Only
# small elements go: a class word such as "date" on a whole article column must not.
NOISE = (  # a class word that starts a class name or a BEM part: "share-bar", "news__views"
    "//*[contains(concat(' ', @class), ' {0}') or contains(@class, '_{0}') or contains(@class, '-{0}')"
    " or starts-with(@id, '{0}')]"
)
NOISE_CLASS_WORDS = ("share", "social", "counter", "views", "pluso", "subscribe", "likes", "rating",
                     "date", "time", "meta", "byline", "info", "comments")
NOISE_TAGS = "//time | //form | //button"
NOISE_MAX_TEXT = 300
"""Characters of text above which a matching element is kept (it holds more than furniture)."""

# What an article URL usually looks like when the site gives no rule: a date in the path,
# a long number (an id), a slug of several words, or a page file.
ARTICLE_URL = re.compile(r"/(?:19|20)\d\d/\d{1,2}/|\d{4,}|/[^/]*\w-\w[^/]*-\w[^/]*-\w[^/]*/?$|\.s?html?$")


@register
class GenericParser(SiteParser):
    """Any article page: no site knowledge, library extractors only."""

    name = "generic"
    version = "2"
    expects = ("headline", "body")

    def canonical_url(self, url: str) -> str | None:
        try:
            parts = urlsplit(collapse(url))
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))

    def article_links(self, page: Page) -> list[str]:
        host = urlsplit(page.url).netloc.lower()
        own = self.canonical_url(page.url)
        links = self.canonical_links(page, html_selector(page).xpath("//a/@href").getall())
        return [url for url in links if urlsplit(url).netloc == host and url != own
                and (self.article_urls is not None or looks_like_article(url))]

    def read_article(self, page: Page) -> ArticleItem:
        document = html_selector(page)
        titles = [element_text(found[0]) for xpath in HEADLINE if (found := document.xpath(xpath))]
        headline = next((title for title in titles if title), "")
        if not headline:
            raise ParseError("no headline")
        body = self.extract_body(page)
        if body and body[0].casefold() in {title.casefold() for title in titles}:
            body = body[1:]  # trafilatura often repeats the <h1>; the headline is its own field
        if not body:
            raise ParseError("no body")
        published, published_raw = self.find_published(page)
        canonical = self.canonical_url(urljoin(page.url, document.xpath(CANONICAL).get() or ""))
        return ArticleItem(
            url=canonical or self.canonical_url(page.url) or page.url,
            headline=headline,
            body=body,
            published=published,
            published_raw=published_raw,
            language=document.xpath("/html/@lang").get(default="")[:2].lower() or None,
        )

    def extract_body(self, page: Page) -> tuple[str, ...]:
        """Body paragraphs, one per line of trafilatura's text output, page furniture dropped."""
        tree = load_html(page.text)
        if tree is None:
            return ()
        drop_noise(tree)
        text = trafilatura.extract(tree, url=page.url, output_format="txt", **EXTRACT_OPTIONS)
        return tuple(line for line in map(collapse, (text or "").splitlines())
                     if line and not is_noise_line(line))

    def find_published(self, page: Page) -> tuple[datetime | None, str | None]:
        """htmldate's day of original publication, as midnight in the site's zone."""
        try:
            raw = find_date(page.text, url=page.url, **DATE_OPTIONS)
        except Exception:  # htmldate on a broken document: no date rather than no article
            logger.debug("generic: htmldate failed on %s", page.url, exc_info=True)
            return None, None
        if not raw:
            return None, None
        try:
            day = datetime.strptime(raw, "%Y-%m-%d")
        except ValueError:
            return None, raw
        return day.replace(tzinfo=self.timezone), raw


def looks_like_article(url: str) -> bool:
    """A URL shaped like a story's (see :data:`ARTICLE_URL`), not a section, tag or feed."""
    parts = urlsplit(url)
    return bool(ARTICLE_URL.search(parts.path + ("?" + parts.query if parts.query else "")))


_NOISE_XPATH = " | ".join([NOISE.format(word) for word in NOISE_CLASS_WORDS] + [NOISE_TAGS])


def drop_noise(tree: object) -> None:
    """Remove counters, date lines and share widgets (small elements only) from ``tree``."""
    for el in tree.xpath(_NOISE_XPATH):
        if el.getparent() is not None and len(el.text_content()) <= NOISE_MAX_TEXT:
            el.drop_tree()
