"""The archive pipeline: judge each fetch attempt and write it to the store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from changes import classify_fetch, classify_parse, suspect_values
from changes.records import Reading
from crawler.items import CaptureItem

if TYPE_CHECKING:
    from datetime import datetime

    from scrapy.crawler import Crawler

    from crawler.sites.base import SiteParser
    from crawler.spiders.site import SiteSpider

logger = logging.getLogger(__name__)

STORE_ERROR = "palimpsest/store_error"
"""Stats key holding the first store failure of the run, in one line without secrets."""


class ArchivePipeline:
    """Classifies every :class:`CaptureItem` and records it through the archive writer."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def process_item(self, item: CaptureItem) -> CaptureItem:
        spider: SiteSpider = self.crawler.spider
        fetched = item.fetched
        parser = spider.parser
        redirect_ok = None
        if fetched.final_url and item.article_url:
            redirect_ok = parser.canonical_url(fetched.final_url) == item.article_url
        verdict = classify_fetch(status=fetched.status, error=fetched.error, headers=fetched.headers,
                                 body=fetched.body, url=fetched.url, final_url=fetched.final_url,
                                 redirect_is_article=redirect_ok)
        reading = None
        if item.article_url:
            reading = reading_of(item, parser)
            verdict = classify_parse(verdict, parsed=item.article is not None, not_found=item.not_found,
                                     parse_error=item.parse_error)
        try:
            spider.app.archive.record(spider.run_id, fetched, verdict, article_url=item.article_url,
                                      reading=reading, schedule=spider.site.schedule)
        except SQLAlchemyError as exc:
            stop_for_store_error(self.crawler, exc)
            return item
        self.crawler.stats.inc_value(f"palimpsest/{fetched.kind}/{verdict.outcome.value}")
        return item


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
        return Reading(parser=item.parser, parser_version=item.parser_version,
                       parse_error=item.parse_error, not_found=item.not_found, group=group)
    suspect = suspect_values(at=item.fetched.fetched_at, views=article.views, comments=article.comments,
                             published=_iso(article.published), updated=_iso(article.updated))
    return Reading(parser=item.parser, parser_version=item.parser_version, content=article.content(),
                   views=None if "views" in suspect else article.views,
                   comments=None if "comments" in suspect else article.comments,
                   missing_fields=parser.missing_fields(article), group=group, suspect=suspect)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
