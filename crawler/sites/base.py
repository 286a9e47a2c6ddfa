"""The contract every site parser fulfils, and the errors it may raise."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from crawler.items import ArticleItem
    from crawler.page import Page

logger = logging.getLogger(__name__)

# Fields of ArticleItem a parser may promise to read (content and metrics, not ids).
PROMISABLE_FIELDS = (
    "headline",
    "lead",
    "body",
    "published",
    "updated",
    "author",
    "tags",
    "image",
    "videos",
    "views",
    "comments",
)


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

    When the site itself changes (a relaunch, a new date line), the old class stays and
    a new one of the same ``name`` with a new ``version`` and the relaunch date as
    ``valid_from`` is registered beside it: each capture is then read by the version of
    its fetch date (:meth:`for_capture`), so old captures keep their old reading.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    valid_from: ClassVar[date] = date.min
    """The first day (UTC) of captures this version reads; the next version's ends it."""
    default_timezone: ClassVar[str] = "UTC"
    """Zone for dates printed without one; a site entry may override it."""
    max_page_bytes: ClassVar[int] = 8_000_000
    """Larger pages are not parsed (a recorded parse failure): parse time grows with size,
    and a hostile or broken page must not stall the crawl."""
    expects: tuple[str, ...] = ("headline", "body")
    """Fields the parser normally reads on every article page (its promise). Run health
    counts a page that lacks one of them as "lost fields"; a field not promised never
    counts. A site entry may override them (``expect``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> SiteParser:
        self = super().__new__(cls)
        # The site's configuration as given, so another version can be built alike.
        self._arguments = (args, kwargs)
        return self

    def __init__(
        self, timezone: ZoneInfo | None = None, *, expects: Sequence[str] | None = None, article_urls: str | None = None
    ) -> None:
        from zoneinfo import ZoneInfo

        self.timezone = timezone or ZoneInfo(self.default_timezone)
        if expects is not None:
            unknown = sorted(set(expects) - set(PROMISABLE_FIELDS))
            if unknown:
                raise ValueError(f"unknown fields {unknown} (known: {', '.join(PROMISABLE_FIELDS)})")
            self.expects = tuple(expects)
        self.article_urls = re.compile(article_urls) if article_urls else None
        """The site's own rule for what is an article URL (searched in the canonical URL)."""

    @property
    def label(self) -> str:
        """``name/version``, as recorded with each reading."""
        return f"{self.name}/{self.version}"

    def as_class(self, cls: type[SiteParser]) -> SiteParser:
        """This parser's configuration (zone, expectations, URL rule, options) on ``cls``."""
        if cls is type(self):
            return self
        args, kwargs = self._arguments
        return cls(*args, **kwargs)

    def for_capture(self, fetched_at: date | datetime | None) -> SiteParser:
        """The version of this parser that reads a page fetched at ``fetched_at``, configured
        as this one. A parser outside the registry (a test's) has only itself."""
        from crawler.sites import parser_class

        try:
            cls = parser_class(self.name, fetched_at)
        except KeyError:
            return self
        return self.as_class(cls)

    def group(self, url: str) -> str:
        """The part of the site a page belongs to (section, edition or template), whose
        parser health is judged on its own: by default the URL's first path segment."""
        from urllib.parse import urlsplit

        try:
            path = urlsplit(url).path
        except ValueError:
            return "/"
        return path.strip("/").split("/", 1)[0] or "/"

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
        if len(page.body) > self.max_page_bytes:
            raise ParseError(f"page too large to parse ({len(page.body):,} bytes, limit {self.max_page_bytes:,})")
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
