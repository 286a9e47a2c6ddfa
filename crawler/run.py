"""The one owner of a site's run: a Scrapy extension built from plain settings.

It opens the run when the spider opens (finishing first any run of the site whose
process died), hands the spider a :class:`Frontier` to discover and lease articles
through, gives the pipeline the archive and the parser, and finishes the run (health,
coverage, detection) when the spider closes, after the pipeline has written the last
capture. ``scrapy crawl SITE``, Scrapyd and ``palimpsest crawl`` all run this path; the
settings it reads are data (``palimpsest.spiderloader`` puts them in a spider's
``custom_settings``), so nothing of the composition root travels through Scrapy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler.errors import STORE_ERROR
from detection import Archive
from store.db import Store, StoreError, describe

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import timedelta

    from scrapy.crawler import Crawler

    from crawler.sites.base import SiteParser
    from detection import RunResult
    from palimpsest.config import SiteConfig
    from store.writer import ArticleRef

logger = logging.getLogger(__name__)

SITE_ENTRY = "PALIMPSEST_SITE_ENTRY"
"""Setting: the site's entry of palimpsest.toml, as the config loaded it (a frozen dataclass)."""
STORE_URL = "PALIMPSEST_STORE_URL"
"""Setting: the store's SQLAlchemy URL."""
ROUTES = "PALIMPSEST_ROUTES"
"""Setting: for each event kind, the names of the alert destinations that want it for this site."""


class Frontier:
    """What the spider may ask of the store: record found articles, lease due ones."""

    def __init__(self, archive: Archive, run_id: int, ttl: timedelta) -> None:
        self.archive = archive
        self.run_id = run_id
        self.ttl = ttl

    def discover(self, refs: Sequence[ArticleRef]) -> None:
        if refs:
            self.archive.discover(self.run_id, refs)

    def lease(self, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` due articles, leased to this run so that no other run fetches them."""
        return self.archive.lease_due(self.run_id, limit=limit, ttl=self.ttl)


class RunOwner:
    """Opens, feeds and finishes one site's run; ``crawler.get_extension(RunOwner)`` finds it."""

    def __init__(self, crawler: Crawler, site: SiteConfig, store_url: str, routes: Mapping[str, Sequence[str]]) -> None:
        self.crawler = crawler
        self.site = site
        self.store_url = store_url
        self.parser: SiteParser = site.build_parser()
        self._routes = {kind: tuple(names) for kind, names in routes.items()}
        self.archive: Archive | None = None
        self.frontier: Frontier | None = None
        self.run_id: int | None = None
        self.result: RunResult | None = None
        """How the run went, once the spider has closed."""
        crawler.signals.connect(self.open_run, signal=signals.spider_opened)
        crawler.signals.connect(self.finish, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOwner:
        site = crawler.settings.get(SITE_ENTRY)
        if site is None:
            raise NotConfigured("no site entry: not a Palimpsest site crawl")
        return cls(crawler, site, crawler.settings.get(STORE_URL), crawler.settings.getdict(ROUTES))

    def route(self, _site: str, kind: str) -> Sequence[str]:
        return self._routes.get(kind, ())

    def open_run(self, spider: Any) -> None:
        """Open this run, after finishing any earlier run of the site whose process died."""
        try:
            store = Store(self.store_url).upgrade()  # a crawl may be the first on a fresh store
            self.archive = Archive(store, route=self.route)
            for dead in self.archive.dead_runs(self.site.name):
                logger.warning("%s: finishing run %d, whose process is gone", self.site.name, dead)
                self._finish(dead, aborted=True)
            self.run_id = self.archive.start_run(self.site.name, self.parser.name)
        except SQLAlchemyError as exc:
            stop_for_store_error(self.crawler, exc)
            return
        except StoreError as exc:  # opening it failed (Store wraps the database's error)
            stop_for_store_error(self.crawler, exc.__cause__ or exc)
            return
        self.frontier = Frontier(self.archive, self.run_id, self.site.lease)

    def finish(self, spider: Any, reason: str) -> None:
        if self.archive is None:
            return
        try:
            if self.run_id is not None:
                self.result = self._finish(self.run_id)
                logger.info("%s: run %d %s: %s", self.site.name, self.run_id, reason, self.result.health.reason)
        except SQLAlchemyError as exc:  # the next run finishes this one
            stop_for_store_error(self.crawler, exc)
        finally:
            self.archive.store.close()

    def _finish(self, run_id: int, *, aborted: bool = False) -> RunResult:
        return self.archive.finish_run(run_id, policy=self.site.policy, health_policy=self.site.health, aborted=aborted)


def stop_for_store_error(crawler: Crawler, exc: Exception) -> None:
    """The store failed (locked, gone, full): stop the run now and keep the first reason.

    What was committed stays consistent; the leased articles not yet written are due
    again when their lease ends, so the next run goes on where this one stopped.
    """
    from scrapy.utils.defer import deferred_from_coro

    if crawler.stats.get_value(STORE_ERROR) is not None:
        return
    message = describe(crawler.settings.get(STORE_URL, ""), exc)
    crawler.stats.set_value(STORE_ERROR, message)
    logger.error("%s: the store failed, stopping the run: %s", crawler.spidercls.name, message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason="store_error"))
