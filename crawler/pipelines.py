"""The archive pipeline: the one path by which captures reach the store.

Each fetch attempt is queued as it comes; the capture writer's thread reads the page
with the site parser, judges the attempt and writes it, so Scrapy's reactor only fetches.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from twisted.internet import defer, threads

from changes import classify_fetch, classify_parse, suspect_values
from changes.records import Reading
from changes.times import iso
from crawler.errors import ERRORS_STAT, UNWRITTEN
from crawler.items import CaptureItem
from crawler.page import Page
from crawler.run import RunOwner, stop_for_store_error
from crawler.sites import PageNotFound, ParseError
from crawler.writing import CaptureWriter
from store.writer import CaptureJob

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.sites.base import SiteParser

logger = logging.getLogger(__name__)

PARSER_CRASHED = f"{ERRORS_STAT}/parser_crashed"
"""Stats key: pages the parser raised an unexpected exception on (stored as unreadable)."""


class ArchivePipeline:
    """Hands every :class:`CaptureItem` to the capture writer, which parses, judges and stores it.

    It closes only once the writer has committed all it was given, so the run is
    finished (and detected) after its last capture.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run: RunOwner | None = None
        self.writer: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.run = self.crawler.get_extension(RunOwner)

    def close_spider(self) -> defer.Deferred | None:
        if self.writer is None:
            return None
        return threads.deferToThread(self.writer.close)

    def process_item(self, item: CaptureItem) -> CaptureItem | defer.Deferred:
        run = self.run
        if run is None or run.run_id is None or (self.writer is not None and self.writer.failed is not None):
            self.crawler.stats.inc_value(UNWRITTEN)  # the store failed: the run is stopping
            return item
        if self.writer is None:  # the run is open now: the archive is there
            reports = _Reports(self.crawler)
            self.writer = CaptureWriter(run.archive, reports, schedule=run.site.schedule, judge=self.judge)
        queued = self.writer.put(run.run_id, item)
        if queued is None:
            return item
        return queued.addCallback(lambda _: item)

    def judge(self, item: CaptureItem) -> CaptureJob:
        """On the writer's thread: read the page, then judge the attempt."""
        parser = self.run.parser
        try:
            item = read_article(item, parser)
        except Exception as exc:  # a parser bug: the page is kept as unreadable, the run fails
            logger.exception("%s crashed on %s", parser.name, item.fetched.url)
            item = replace(item, parse_error=f"parser crashed: {type(exc).__name__}: {exc}"[:1000])
            from twisted.internet import reactor

            reactor.callFromThread(self._count_crash)
        return job_of(item, parser)

    def _count_crash(self) -> None:
        self.crawler.stats.inc_value(ERRORS_STAT)
        self.crawler.stats.inc_value(PARSER_CRASHED)


class _Reports:
    """The writer's reports, on the reactor thread: stats, and the store-error stop."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def written(self, jobs: Sequence[CaptureJob]) -> None:
        for job in jobs:
            self.crawler.stats.inc_value(f"palimpsest/{job.fetched.kind}/{job.verdict.outcome.value}")

    def not_stored(self, job: object, exc: Exception) -> None:
        self.crawler.stats.inc_value(ERRORS_STAT)
        self.crawler.stats.inc_value(f"{ERRORS_STAT}/capture_not_stored")

    def store_failed(self, exc: SQLAlchemyError) -> None:
        stop_for_store_error(self.crawler, exc)

    def unwritten(self, count: int) -> None:
        self.crawler.stats.inc_value(UNWRITTEN, count)


def read_article(item: CaptureItem, parser: SiteParser) -> CaptureItem:
    """What the parser reads of an article's page: the item with its article, or why not.

    Listings, feeds and attempts with no 200 response are returned as they are; a
    :class:`ParseError` (or a recognised soft 404) is an answer, anything else a bug.
    """
    if item.article_url is None or item.article is not None:
        return item
    item = replace(item, parser=parser.name, parser_version=parser.version)
    if item.fetched.status != 200 or item.fetched.error:
        return item
    try:
        return replace(item, article=parser.parse_article(Page.of(item.fetched)))
    except PageNotFound as exc:
        return replace(item, not_found=True, parse_error=str(exc))
    except ParseError as exc:
        return replace(item, parse_error=str(exc) or type(exc).__name__)


def job_of(item: CaptureItem, parser: SiteParser) -> CaptureJob:
    """Judge one fetch attempt and what its parser read: the capture to write."""
    fetched = item.fetched
    redirect_ok = None
    if fetched.final_url and item.article_url:
        redirect_ok = parser.canonical_url(fetched.final_url) == item.article_url
    verdict = classify_fetch(
        status=fetched.status,
        error=fetched.error,
        headers=fetched.headers,
        body=fetched.body,
        url=fetched.url,
        final_url=fetched.final_url,
        redirect_is_article=redirect_ok,
    )
    reading = None
    if item.article_url:
        reading = reading_of(item, parser)
        verdict = classify_parse(
            verdict, parsed=item.article is not None, not_found=item.not_found, parse_error=item.parse_error
        )
    return CaptureJob(fetched, verdict, item.article_url, reading)


def reading_of(item: CaptureItem, parser: SiteParser) -> Reading:
    article = item.article
    group = parser.group(item.article_url or item.fetched.url)
    if article is None:
        return Reading(
            parser=item.parser,
            parser_version=item.parser_version,
            parse_error=item.parse_error,
            not_found=item.not_found,
            group=group,
        )
    suspect = suspect_values(
        at=item.fetched.fetched_at,
        views=article.views,
        comments=article.comments,
        published=iso(article.published),
        updated=iso(article.updated),
    )
    return Reading(
        parser=item.parser,
        parser_version=item.parser_version,
        content=article.content(),
        views=None if "views" in suspect else article.views,
        comments=None if "comments" in suspect else article.comments,
        missing_fields=parser.missing_fields(article),
        group=group,
        suspect=suspect,
    )
