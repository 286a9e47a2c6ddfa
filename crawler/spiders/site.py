"""The one spider: reads a site's listings and feeds, then fetches due articles.

It only navigates. The run and its frontier belong to :class:`crawler.run.RunOwner`,
which says which articles are due (leased to this run, so overlapping runs never fetch
one article twice); reading, judging and storing pages is the pipeline's job.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import scrapy
from sqlalchemy.exc import SQLAlchemyError

from changes.records import CaptureKind, Fetched
from crawler import discovery
from crawler.items import CaptureItem
from crawler.page import Page
from crawler.politeness import allowed_hosts, is_allowed
from crawler.run import RunOwner, stop_for_store_error
from crawler.sites import ParseError
from store.writer import ArticleRef

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.run import Frontier
    from crawler.sites.base import SiteParser
    from palimpsest.config import SiteConfig

logger = logging.getLogger(__name__)


class SiteSpider(scrapy.Spider):
    """Crawls the site whose entry the run owner holds (``palimpsest.spiderloader`` names it)."""

    site: SiteConfig
    parser: SiteParser
    frontier: Frontier | None = None

    # -- what to fetch ------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        run = self.crawler.get_extension(RunOwner)
        if run is None or run.frontier is None:
            return  # not configured, or the store failed as the run opened (already reported)
        self.site, self.parser, self.frontier = run.site, run.parser, run.frontier
        self.budget = self.site.max_articles
        self.hosts = allowed_hosts(self.site)
        self.in_hand = 0
        """Articles leased to this run and not yet answered: more are leased as it drains."""
        for start_url in self.site.start_urls:
            for url in self.parser.listing_pages(start_url, self.site.listing_pages):
                yield self._request(url, CaptureKind.LISTING)
        for url in self.site.feeds:
            yield self._request(url, CaptureKind.FEED)
        for url in self.site.sitemaps:
            yield self._request(url, CaptureKind.SITEMAP)
        for request in self._due_articles():
            yield request

    def _request(self, url: str, kind: CaptureKind, article_url: str | None = None) -> scrapy.Request:
        callback = self.parse_article if kind == CaptureKind.ARTICLE else self.parse_listing
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            dont_filter=True,
            meta={"kind": kind, "article_url": article_url, "started": time.monotonic()},
        )

    def _due_articles(self) -> Iterator[scrapy.Request]:
        """Lease due articles a batch at a time, so that several workers share a round."""
        limit = min(self.budget, self.site.lease_batch - self.in_hand)
        if limit <= 0:
            return
        try:
            leased = self.frontier.lease(limit)
        except SQLAlchemyError as exc:
            stop_for_store_error(self.crawler, exc)
            return
        self.budget -= len(leased)
        self.in_hand += len(leased)
        for _article_id, url in leased:
            yield self._request(url, CaptureKind.ARTICLE, article_url=url)

    # -- responses ----------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[CaptureItem | scrapy.Request]:
        fetched = fetched_from_response(response)
        yield CaptureItem(fetched=fetched)
        if response.status == 200:
            try:
                found = discovery.discover(self.parser, Page.of(fetched))
            except ParseError as exc:
                logger.warning("%s: cannot read links from %s: %s", self.name, response.url, exc)
                found = discovery.Found()
            refs = [self._ref(url, found.lastmod.get(url)) for url in found.articles]
            try:
                self.frontier.discover([r for r in refs if r])
            except SQLAlchemyError as exc:
                stop_for_store_error(self.crawler, exc)
                return
            if response.meta["kind"] == CaptureKind.SITEMAP and not response.meta.get("from_index"):
                for url in found.sitemaps:  # an index's children; an index inside one is not followed
                    request = self._request(url, CaptureKind.SITEMAP)
                    request.meta["from_index"] = True
                    yield request
        yield from self._due_articles()

    def _answered(self) -> Iterator[scrapy.Request]:
        """One leased article answered; lease more once half the batch is done."""
        self.in_hand -= 1
        if self.in_hand <= self.site.lease_batch // 2:
            yield from self._due_articles()

    def parse_article(self, response: Response) -> Iterator[CaptureItem | scrapy.Request]:
        """The page as fetched; the pipeline reads it (off the reactor thread)."""
        yield from self._answered()
        yield CaptureItem(fetched=fetched_from_response(response), article_url=response.meta["article_url"])

    def failed(self, failure: Failure) -> Iterator[CaptureItem]:
        """No response (timeout, DNS, reset, TLS, data loss): still one capture."""
        request = failure.request
        meta = request.meta
        if meta["kind"] == "article":
            yield from self._answered()
        yield CaptureItem(
            fetched=Fetched(
                kind=meta["kind"],
                url=request.url,
                fetched_at=datetime.now(UTC),
                method=request.method,
                request_headers=_pairs(request.headers),
                error=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:1000],
                elapsed_ms=_elapsed(meta),
                provenance=meta.get("provenance", {}),
            ),
            article_url=meta.get("article_url"),
        )

    def _ref(self, url: str, lastmod: datetime | None = None) -> ArticleRef | None:
        canonical = self.parser.canonical_url(url)
        if canonical is None or not is_allowed(canonical, self.hosts):
            return None  # not an article, or offsite: never fetched
        return ArticleRef(canonical, lastmod=lastmod)


def fetched_from_response(response: Response) -> Fetched:
    meta = response.meta
    redirects = tuple(meta.get("redirect_urls", ()))
    certificate = getattr(response, "certificate", None)
    return Fetched(
        kind=meta["kind"],
        url=redirects[0] if redirects else response.url,
        fetched_at=datetime.now(UTC),
        method=response.request.method,
        request_headers=_pairs(response.request.headers),
        status=response.status,
        reason_phrase=_phrase(response.status),
        http_version=response.protocol or "HTTP/1.1",
        response_headers=_pairs(response.headers),
        body=response.body,
        final_url=response.url if redirects else None,
        redirects=redirects,
        elapsed_ms=_elapsed(meta),
        ip=str(response.ip_address) if response.ip_address else None,
        certificate_pem=certificate.dumpPEM() if certificate is not None else None,
        provenance=meta.get("provenance", {}),
    )


def _pairs(headers: Any) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _elapsed(meta: dict[str, Any]) -> int | None:
    started = meta.get("started")
    return round((time.monotonic() - started) * 1000) if started else None
