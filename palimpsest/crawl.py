"""Run the spiders of some sites once, in this process or in a fresh one."""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from changes import HealthStatus

if TYPE_CHECKING:
    from palimpsest.app import App
    from palimpsest.config import Config


@dataclass
class SiteRun:
    """How one site's run went: what ``crawl`` prints and bases its exit status on."""

    site: str
    run_id: int | None
    health: HealthStatus
    reason: str
    finish_reason: str
    stats: dict[str, Any] = field(default_factory=dict)
    events: list[int] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """The site could not be crawled at all."""
        return self.run_id is None or self.health == HealthStatus.UNREACHABLE


def crawl(app: App, names: list[str] | None = None, *, log_level: str = "INFO") -> list[SiteRun]:
    """Crawl the named sites (all by default) together, once, in this process.

    Twisted's reactor cannot be restarted, so a process can do this once; use
    :func:`crawl_isolated` to crawl again from the same process (demo, tests).
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    config = app.config
    sites = [config.site(n) for n in names] if names else list(config.sites)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PALIMPSEST_APP", app, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    configured = bool(logging.getLogger().handlers)
    if configured:
        # The CLI has set up logging (``-v`` picks the level). Scrapy's own root handler
        # would reset the root level to NOTSET and, with its "scrapy" loggers at DEBUG,
        # let every record (each scraped item with its whole body) reach that handler.
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    if configured:
        logging.getLogger("scrapy").setLevel(log_level)
    loader = process.spider_loader
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(loader.load(site.name))
        crawlers.append(crawler)
        process.crawl(crawler)
    process.start()
    return [_site_run(site.name, crawler) for site, crawler in zip(sites, crawlers, strict=True)]


def _site_run(name: str, crawler: Any) -> SiteRun:
    spider = crawler.spider
    finish = crawler.stats.get_value("finish_reason", "unknown") if crawler.stats else "unknown"
    result = getattr(spider, "result", None)
    if result is None:
        return SiteRun(name, getattr(spider, "run_id", None), HealthStatus.UNREACHABLE, "the run did not finish",
                       finish)
    return SiteRun(name, result.run_id, result.health.status, result.health.reason, finish,
                   asdict(result.stats), result.events)


def crawl_isolated(config: Config, names: list[str] | None = None, *, log_level: str = "WARNING") -> list[SiteRun]:
    """:func:`crawl` in a fresh process, so it can be called any number of times.

    The worker is told to exit by a message, not a signal: Scrapy installs its own
    SIGTERM/SIGINT handlers in the child, so a signal-based shutdown (Pool.terminate)
    could leave it running and the caller waiting forever.
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_crawl_child, config, names, log_level).result()


def _crawl_child(config: Config, names: list[str] | None, log_level: str) -> list[SiteRun]:
    from palimpsest.app import App

    app = App(config=config)
    try:
        return crawl(app, names, log_level=log_level)
    finally:
        app.close()
