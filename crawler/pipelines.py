"""The archive pipeline: the one path by which captures reach the store.

Each fetch attempt is queued as it comes and written by the capture writer's thread, so
Scrapy's reactor only fetches. An article page is read and judged by the page reader
(``crawler.reader``, a process of its own) once a run has read ``READER_AFTER`` pages,
and by the writer's thread before that, or whenever the reader cannot answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads

from crawler.errors import ERRORS_STAT, UNWRITTEN
from crawler.reader import Reader
from crawler.reading import judge, judged, to_read
from crawler.run import RunOwner, stop_for_store_error
from crawler.writing import CaptureWriter
from store.writer import CaptureJob

if TYPE_CHECKING:
    from collections.abc import Sequence
    from concurrent.futures import Future

    from scrapy.crawler import Crawler
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.items import CaptureItem
    from crawler.reading import Judgement
    from crawler.sites.base import SiteParser

logger = logging.getLogger(__name__)

READER_AFTER = 32
"""Article pages a run reads on the writer's thread before it starts its page reader:
starting one costs about a second of CPU, which a short run (a test, the demo, a small
site) would only wait for. The setting ``PALIMPSEST_READER = False`` turns it off."""
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
        self.reader: Reader | None = None
        self._pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.run = self.crawler.get_extension(RunOwner)

    async def close_spider(self) -> None:
        def close() -> None:
            if self.writer is not None:  # the last batch may be committing
                self.writer.close()
            if self.reader is not None:  # nothing is pending once the writer has drained
                self.reader.close()

        await maybe_deferred_to_future(threads.deferToThread(close))  # off the reactor

    def process_item(self, item: CaptureItem) -> CaptureItem | defer.Deferred:
        run = self.run
        if run is None or run.run_id is None or (self.writer is not None and self.writer.failed is not None):
            self.crawler.stats.inc_value(UNWRITTEN)  # the store failed: the run is stopping
            return item
        if self.writer is None:  # the run is open now: the archive is there
            reports = _Reports(self.crawler)
            self.writer = CaptureWriter(run.archive, reports, schedule=run.site.schedule, judge=self.judge)
        pending = self._send_to_reader(item) if to_read(item) else None
        queued = self.writer.put(run.run_id, (item, pending))
        if queued is None:
            return item
        return queued.addCallback(lambda _: item)

    def _send_to_reader(self, item: CaptureItem) -> Future[Judgement] | None:
        self._pages += 1
        if self._pages == READER_AFTER and self.crawler.settings.getbool("PALIMPSEST_READER"):
            try:
                self.reader = Reader(self.run.site)
            except Exception as exc:  # no process to be had: pages are read on the writer's thread, none lost
                logger.warning("no page reader (%s); pages are read in the crawl's process", exc)
        return self.reader.submit(item) if self.reader is not None else None

    def judge(self, entry: tuple[CaptureItem, Future[Judgement] | None]) -> CaptureJob:
        """On the writer's thread: the reader's judgement of the attempt, or one made here."""
        item, pending = entry
        judgement = self.reader.result(pending) if pending is not None else None
        if judgement is not None and judgement.crashed:  # its traceback went to the reader's stderr
            error = judgement.reading.parse_error if judgement.reading else "?"
            logger.error("%s crashed on %s in the page reader: %s", self.run.parser.name, item.fetched.url, error)
        if judgement is None:
            judgement = judged(item, self.run.parser)
        if judgement.crashed:
            from twisted.internet import reactor

            reactor.callFromThread(self._count_crash)
        return _job(item, judgement)

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


def job_of(item: CaptureItem, parser: SiteParser) -> CaptureJob:
    """Judge one fetch attempt and what its parser read: the capture to write."""
    return _job(item, judge(item, parser))


def _job(item: CaptureItem, judgement: Judgement) -> CaptureJob:
    return CaptureJob(item.fetched, judgement.verdict, item.article_url, judgement.reading)
