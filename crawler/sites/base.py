"""The contract every site parser fulfils, and the errors it may raise."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from zoneinfo import ZoneInfo

    from crawler.items import ArticleItem
    from crawler.page import Page

logger = logging.getLogger(__name__)

# Fields of ArticleItem a parser may promise to read (content and metrics, not ids).
PROMISABLE_FIELDS = ("headline", "lead", "body", "published", "updated", "author", "tags", "image",
                     "videos", "views", "comments")


class ParseError(Exception):
    """The page was fetched but the parser could not read an article from it.

    The message says what was missing (``"no headline"``); the capture is kept and
    the error recorded. On a URL that parsed before this is transient, never an edit.
    """


class PageNotFound(ParseError):
    """The page answered 200 but says the article does not exist (a soft-404)."""


class SiteParser:
    """Reads one site's pages. Pure: no requests, no database, no settings.

    Subclasses set ``name`` and ``version`` and implement the methods below; they are
    registered with :func:`crawler.sites.register`. ``version`` is recorded with every
    version row, so bump it whenever the extraction of any field changes.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    default_timezone: ClassVar[str] = "UTC"
    """Zone for dates printed without one; a site entry may override it."""
    expects: tuple[str, ...] = ("headline", "body")
    """Fields the parser normally reads on every article page (its promise). Run health
    counts a page that lacks one of them as "lost fields"; a field not promised never
    counts. A site entry may override them (``expect``)."""

    def __init__(self, timezone: ZoneInfo | None = None, *, expects: Sequence[str] | None = None,
                 article_urls: str | None = None) -> None:
        from zoneinfo import ZoneInfo

        self.timezone = timezone or ZoneInfo(self.default_timezone)
        if expects is not None:
            unknown = sorted(set(expects) - set(PROMISABLE_FIELDS))
            if unknown:
                raise ValueError(f"unknown fields {unknown} (known: {', '.join(PROMISABLE_FIELDS)})")
            self.expects = tuple(expects)
        self.article_urls = re.compile(article_urls) if article_urls else None
        """The site's own rule for what is an article URL (searched in the canonical URL)."""

    def missing_fields(self, item: ArticleItem) -> tuple[str, ...]:
        """The promised fields ``item`` lacks (None, empty text or an empty list)."""
        return tuple(f for f in self.expects if getattr(item, f) in (None, "", ()))

    def canonical_url(self, url: str) -> str | None:
        """The canonical form of an article URL, or None when ``url`` is no article.

        Mirrors and mobile hosts map to the main host so that one story is one article.
        """
        raise NotImplementedError

    def parse_article(self, page: Page) -> ArticleItem:
        """Extract the article, or raise :class:`ParseError` / :class:`PageNotFound`.

        Never anything else: odd input (binary junk, broken markup) surfaces as a
        recorded ParseError, never as a crash of the crawl.
        """
        if page.status in (404, 410):
            raise PageNotFound(f"HTTP {page.status}")
        try:
            return self.read_article(page)
        except ParseError:
            raise
        except Exception as exc:
            logger.warning("%s: unexpected failure on %s", self.name, page.url, exc_info=True)
            raise ParseError(f"unreadable page ({type(exc).__name__}: {exc})") from exc

    def read_article(self, page: Page) -> ArticleItem:
        """The site-specific extraction behind :meth:`parse_article`."""
        raise NotImplementedError

    def canonical_links(self, page: Page, hrefs: Iterable[str]) -> list[str]:
        """Canonical article URLs of ``hrefs`` resolved against the page, de-duplicated, in order."""
        from urllib.parse import urljoin

        from crawler.parsing import collapse

        found: dict[str, None] = {}
        for href in hrefs:
            try:
                url = self.canonical_url(urljoin(page.url, collapse(href)))
            except ValueError:  # a malformed href must not lose the rest of the page
                continue
            if url and (self.article_urls is None or self.article_urls.search(url)):
                found.setdefault(url)
        return list(found)

    def article_links(self, page: Page) -> Iterable[str]:
        """Absolute URLs of articles linked from a listing page or an RSS/Atom feed."""
        raise NotImplementedError

    def listing_pages(self, start_url: str, pages: int) -> list[str]:
        """The listing URLs to fetch for ``start_url``: itself and up to ``pages - 1`` more."""
        return [start_url]
