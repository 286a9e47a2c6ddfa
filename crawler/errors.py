"""Failures that must fail the run: a capture the store refused, an exception in the spider.

Scrapy logs an exception in a pipeline or a callback and carries on, so a crawl that
lost captures would still end as if all were well. This extension counts them in the
run's stats (``palimpsest/errors``), which ``palimpsest crawl`` turns into exit status 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ERRORS_STAT = "palimpsest/errors"
STORE_ERROR = "palimpsest/store_error"
"""Stats key holding the first store failure of the run, in one line without secrets."""
UNWRITTEN = "palimpsest/store_error/unwritten"
"""Stats key: captures fetched after the store failed, which the stopping run did not write."""


class CountFailures:
    """Counts items that could not be stored and errors raised by the spider's callbacks."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CountFailures:
        return cls(crawler)

    def item_error(self, item: Any, response: Any, failure: Any, **_: Any) -> None:
        self.stats.inc_value(ERRORS_STAT)
        self.stats.inc_value(f"{ERRORS_STAT}/capture_not_stored")

    def spider_error(self, failure: Any, response: Any, **_: Any) -> None:
        self.stats.inc_value(ERRORS_STAT)
        self.stats.inc_value(f"{ERRORS_STAT}/spider")
