"""Reading article pages: what a parser answers, as the crawl's writer thread and tests ask it.

The crawl reads pages on the capture writer's thread, off Scrapy's reactor. A reader
process was tried too (BENCHMARKS.md, "Parsing in a process of its own"): on two cores
it bought under 5 % of wall time for about a second of CPU a run, so it is not used.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from crawler.sites import PageNotFound, ParseError

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.items import ArticleItem, CaptureItem
    from crawler.page import Page
    from crawler.sites.base import SiteParser
    from palimpsest.config import SiteConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """What the parser made of one article page."""

    article: ArticleItem | None = None
    not_found: bool = False
    """The parser recognised a soft-404 page."""
    parse_error: str | None = None
    crashed: bool = False
    """The parser raised something other than a ParseError: a bug, which fails the run."""


def to_read(item: CaptureItem) -> bool:
    """An article page that was answered (status 200) and not read yet."""
    fetched = item.fetched
    return bool(item.article_url) and item.article is None and fetched.status == 200 and not fetched.error


def answer(parser: SiteParser, page: Page) -> Answer:
    """Read one page; a ParseError (or a recognised soft 404) is an answer, anything else a bug."""
    try:
        return Answer(article=parser.parse_article(page))
    except PageNotFound as exc:
        return Answer(not_found=True, parse_error=str(exc))
    except ParseError as exc:
        return Answer(parse_error=str(exc) or type(exc).__name__)
    except Exception as exc:  # the page is kept as unreadable; the run fails
        logger.exception("%s crashed on %s", parser.name, page.url)
        return Answer(parse_error=f"parser crashed: {type(exc).__name__}: {exc}"[:1000], crashed=True)


class Readers:
    """Processes that each build the site's parser once, from the site entry, and run what is
    submitted to them with it (:func:`site_parser`).

    They start in the background: until they are up, :meth:`submit` declines and the
    caller does the work itself, so a short run never waits a second for a reader.
    """

    def __init__(self, site: SiteConfig, processes: int) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_start, initargs=(site,))
        self._up = self._pool.submit(_ready)

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until the readers are up (tests, benches); False if they failed to start."""
        try:
            self._up.result(timeout)
        except Exception:
            return False
        return True

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T] | None:
        """``fn(*args)`` in a reader; None when the readers are not up yet or gone (the caller
        does it itself)."""
        if not self._up.done():
            return None
        try:
            return self._pool.submit(fn, *args)
        except RuntimeError:  # broken (a reader died) or shut down
            return None

    def close(self) -> None:
        """Stop the readers without waiting for them (nothing is pending when the writer has
        drained; the interpreter joins them at exit, after the run is finished)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_parser: SiteParser | None = None
"""A reader process's parser (module state: each process builds its own once)."""


def site_parser() -> SiteParser:
    """In a reader process: the site's parser."""
    return _parser


def _start(site: SiteConfig) -> None:
    global _parser
    _parser = site.build_parser()


def _ready() -> None:
    pass
