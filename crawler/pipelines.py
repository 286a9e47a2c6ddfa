"""The archive pipeline: judge each fetch attempt and write it to the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from changes import classify_fetch, classify_parse
from changes.records import Reading
from crawler.items import CaptureItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.sites.base import SiteParser
    from crawler.spiders.site import SiteSpider

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
        spider.app.archive.record(spider.run_id, fetched, verdict, article_url=item.article_url,
                                  reading=reading, schedule=spider.site.schedule)
        self.crawler.stats.inc_value(f"palimpsest/{fetched.kind}/{verdict.outcome.value}")
        return item


def reading_of(item: CaptureItem, parser: SiteParser) -> Reading:
    article = item.article
    if article is None:
        return Reading(parser=item.parser, parser_version=item.parser_version,
                       parse_error=item.parse_error, not_found=item.not_found)
    return Reading(parser=item.parser, parser_version=item.parser_version, content=article.content(),
                   views=article.views, comments=article.comments,
                   missing_fields=parser.missing_fields(article))

