"""The archive pipeline: the one path by which captures reach the store.

Each fetch attempt is queued as it comes; the capture writer's thread reads an article
page with the site parser (``crawler.reading``), judges the attempt and writes it, so
Scrapy's reactor only fetches.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads

from changes import classify_fetch, classify_parse, suspect_values
from changes.records import Reading
from changes.times import iso
from crawler.errors import ERRORS_STAT, UNWRITTEN
from crawler.items import CaptureItem
from crawler.page import Page
from crawler.reading import Answer, answer, to_read
from crawler.run import RunOwner, stop_for_store_error
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
    """Hands every :class:`CaptureItem` to the capture writer, which reads, judges and stores it.

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

    async def close_spider(self) -> None:
        if self.writer is not None:  # drained off the reactor: the last batch may be committing
            await maybe_deferred_to_future(threads.deferToThread(self.writer.close))

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
        got = answer(parser, Page.of(item.fetched)) if to_read(item) else None
        if got is not None and got.crashed:
            from twisted.internet import reactor

            reactor.callFromThread(self._count_crash)
        return job_of(read_article(item, parser, got), parser)

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


def read_article(item: CaptureItem, parser: SiteParser, got: Answer | None = None) -> CaptureItem:
    """The item with what the parser read of its page (``got``, or read here and now).

    Listings and feeds are returned as they are; article attempts with no page to read
    (an error, a status other than 200) only gain the parser's name.
    """
    if item.article_url is None or item.article is not None:
        return item
    item = replace(item, parser=parser.name, parser_version=parser.version)
    if not to_read(item):
        return item
    got = got or answer(parser, Page.of(item.fetched))
    return replace(item, article=got.article, not_found=got.not_found, parse_error=got.parse_error)


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
