"""Reading article pages: what a parser answers, as the crawl's writer thread and tests ask it.

The crawl reads pages on the capture writer's thread, off Scrapy's reactor. A reader
process was tried too (BENCHMARKS.md, section 2b): it made long crawls about a fifth
faster on two cores, but Python's process pool left readers behind, waiting forever, when
their crawl was killed, and deadlocked a crawl's exit once; it is out until it can be
made as robust as the rest of the crawl.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.sites import PageNotFound, ParseError

if TYPE_CHECKING:
    from crawler.items import ArticleItem, CaptureItem
    from crawler.page import Page
    from crawler.sites.base import SiteParser

logger = logging.getLogger(__name__)


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
