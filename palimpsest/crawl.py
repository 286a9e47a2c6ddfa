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

STOP_GRACE = 5.0
"""Seconds a crawl told to stop (SIGTERM, Ctrl-C) may spend closing before it abandons
the requests still in flight. Scrapy's own graceful stop waits for every one of them,
up to the site's timeout; a run abandoned this way is finished by the next one."""


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
    errors: int = 0
    """Captures the store refused and spider exceptions (``crawler.errors``): each fails the run."""

    @property
    def failed(self) -> bool:
        """The site could not be crawled at all, the run was stopped (SIGTERM, Ctrl-C), or a capture was lost."""
        return (
            self.run_id is None
            or self.health == HealthStatus.UNREACHABLE
            or self.finish_reason == "shutdown"
            or self.errors > 0
        )


def crawl(app: App, names: list[str] | None = None, *, log_level: str = "INFO") -> list[SiteRun]:
    """Crawl the named sites (all by default) together, once, in this process.

    Twisted's reactor cannot be restarted, so a process can do this once; use
    :func:`crawl_isolated` to crawl again from the same process (demo, tests).
    """
    from scrapy.settings import Settings

    from palimpsest.spiderloader import spider_class

    config = app.config
    sites = [config.site(n) for n in names] if names else list(config.sites)
    _check_store(config.store_url)
    settings = Settings()
    settings.setmodule("palimpsest.scrapy_settings", priority="project")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    configured = bool(logging.getLogger().handlers)
    if configured:
        # The CLI has set up logging (``-v`` picks the level). Scrapy's own root handler
        # would reset the root level to NOTSET and, with its "scrapy" loggers at DEBUG,
        # let every record (each scraped item with its whole body) reach that handler.
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = _StoppableProcess(settings)
    if configured:
        logging.getLogger("scrapy").setLevel(log_level)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(spider_class(site, config))
        crawlers.append(crawler)
        process.crawl(crawler)
    process.start()
    runs = [_site_run(site.name, crawler) for site, crawler in zip(sites, crawlers, strict=True)]
    failed = next((r for r in runs if r.health == "store_error"), None)
    if failed is not None:
        from store.db import StoreError

        raise StoreError(f"the run of {failed.site} stopped: {failed.reason}")
    _publish_head(app)
    return runs


def _check_store(url: str) -> None:
    """Open the store once before Scrapy starts, so that one that cannot be opened (locked,
    unreachable) fails in one line, before any site's run."""
    from store.db import Store

    store = Store(url)
    try:
        store.upgrade()  # a crawl upgrades a fresh store anyway
    finally:
        store.close()


def _StoppableProcess(settings: Any) -> Any:
    """A CrawlerProcess whose first stop signal ends the run within :data:`STOP_GRACE`."""
    from scrapy.crawler import CrawlerProcess

    class StoppableProcess(CrawlerProcess):
        def _signal_shutdown(self, signum: int, frame: Any) -> None:
            super()._signal_shutdown(signum, frame)
            from twisted.internet import reactor

            reactor.callFromThread(reactor.callLater, STOP_GRACE, self._signal_kill, signum, None)

    return StoppableProcess(settings)


def _publish_head(app: App) -> None:
    """Sign a tree head over the runs' captures (before alerts go out, so their footers
    name it). Evidence work never fails a crawl: a missed head is made by the next run."""
    from sqlalchemy.exc import SQLAlchemyError

    from evidence.log import publish_head
    from store.db import StoreError, describe

    log = logging.getLogger(__name__)
    try:
        publish_head(app.store, app.config.evidence)
    except (StoreError, SQLAlchemyError) as exc:  # the store is down: one line, the next run signs
        message = str(exc) if isinstance(exc, StoreError) else describe(app.config.store_url, exc)
        log.error("could not publish a tree head after this run: %s", message)
    except Exception:  # a bug: logged in full, and the captures are stored all the same
        log.exception("could not publish a tree head after this run")


def _site_run(name: str, crawler: Any) -> SiteRun:
    from crawler.errors import ERRORS_STAT, STORE_ERROR
    from crawler.run import RunOwner

    if crawler.spider is None:  # the crawl never started
        return SiteRun(name, None, HealthStatus.UNREACHABLE, "the run did not start", "unknown")
    run = crawler.get_extension(RunOwner)
    run_id = run.run_id if run is not None else None
    result = run.result if run is not None else None
    finish = crawler.stats.get_value("finish_reason", "unknown")
    errors = crawler.stats.get_value(ERRORS_STAT, 0)
    store_error = crawler.stats.get_value(STORE_ERROR)
    if store_error:
        return SiteRun(name, run_id, "store_error", store_error, finish, errors=errors)
    if result is None:
        return SiteRun(name, run_id, HealthStatus.UNREACHABLE, "the run did not finish", finish, errors=errors)
    return SiteRun(
        name,
        result.run_id,
        result.health.status,
        result.health.reason,
        finish,
        asdict(result.stats),
        result.events,
        errors,
    )


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
