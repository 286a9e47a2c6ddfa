"""The archive pipeline: judge each fetch attempt and queue it for the capture writer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import defer, threads

from changes import classify_fetch, classify_parse, suspect_values
from changes.records import Reading
from changes.times import iso
from crawler.errors import ERRORS_STAT
from crawler.items import CaptureItem
from crawler.writing import CaptureWriter
from store.writer import CaptureJob

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler

    from crawler.sites.base import SiteParser
    from crawler.spiders.site import SiteSpider

logger = logging.getLogger(__name__)

STORE_ERROR = "palimpsest/store_error"
"""Stats key holding the first store failure of the run, in one line without secrets."""


class ArchivePipeline:
    """Classifies every :class:`CaptureItem` and hands it to the capture writer's thread.

    The one path by which captures reach the store. It closes only once the writer has
    committed all it was given, so the run is finished (and detected) after its last capture.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider: SiteSpider = self.crawler.spider
        self.writer = CaptureWriter(spider.app.archive, _Reports(self.crawler), schedule=spider.site.schedule)

    def close_spider(self) -> defer.Deferred | None:
        if self.writer is None:
            return None
        return threads.deferToThread(self.writer.close)

    def process_item(self, item: CaptureItem) -> CaptureItem | defer.Deferred:
        spider: SiteSpider = self.crawler.spider
        if self.writer.failed is not None or spider.run_id is None:
            self.crawler.stats.inc_value(UNWRITTEN)  # the store failed: the run is stopping
            return item
        queued = self.writer.put(spider.run_id, job_of(item, spider.parser))
        if queued is None:
            return item
        return queued.addCallback(lambda _: item)


UNWRITTEN = "palimpsest/store_error/unwritten"
"""Stats key: captures fetched after the store failed, which the stopping run did not write."""


class _Reports:
    """The writer's reports, on the reactor thread: stats, and the store-error stop."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def written(self, jobs: Sequence[CaptureJob]) -> None:
        for job in jobs:
            self.crawler.stats.inc_value(f"palimpsest/{job.fetched.kind}/{job.verdict.outcome.value}")

    def not_stored(self, job: CaptureJob, exc: Exception) -> None:
        self.crawler.stats.inc_value(ERRORS_STAT)
        self.crawler.stats.inc_value(f"{ERRORS_STAT}/capture_not_stored")

    def store_failed(self, exc: SQLAlchemyError) -> None:
        stop_for_store_error(self.crawler, exc)

    def unwritten(self, count: int) -> None:
        self.crawler.stats.inc_value(UNWRITTEN, count)


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


def stop_for_store_error(crawler: Crawler, exc: Exception) -> None:
    """The store failed (locked, gone, full): stop the run now and keep the first reason.

    What was committed stays consistent; the leased articles not yet written are due
    again when their lease ends, so the next run goes on where this one stopped.
    """
    from scrapy.utils.defer import deferred_from_coro

    from store.db import describe

    if crawler.stats.get_value(STORE_ERROR) is not None:
        return
    message = describe(crawler.spider.app.store.url, exc)
    crawler.stats.set_value(STORE_ERROR, message)
    logger.error("%s: the store failed, stopping the run: %s", crawler.spider.name, message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason="store_error"))


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
