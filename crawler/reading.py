"""Reading and judging article pages: what a parser answers, and what a fetch attempt means.

The crawl reads pages in a reader process of its own once a run is long enough to pay for
starting one (``crawler.reader``), and on the capture writer's thread otherwise or when
the reader is gone; both use these functions, so a page is judged the same either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from changes import classify_fetch, classify_parse, suspect_values
from changes.records import Reading
from changes.times import iso
from crawler.page import Page
from crawler.sites import PageNotFound, ParseError

if TYPE_CHECKING:
    from changes import Verdict
    from crawler.items import ArticleItem, CaptureItem
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


@dataclass(frozen=True)
class Judgement:
    """What a fetch attempt means (its verdict) and what the parser read of it."""

    verdict: Verdict
    reading: Reading | None
    crashed: bool = False
    """The parser raised something other than a ParseError (see :class:`Answer`)."""


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


def judged(item: CaptureItem, parser: SiteParser) -> Judgement:
    """Read the item's page if it is an answered article, then judge the attempt."""
    got = answer(parser, Page.of(item.fetched)) if to_read(item) else None
    judgement = judge(read_article(item, parser, got), parser)
    return replace(judgement, crashed=True) if got is not None and got.crashed else judgement


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


def judge(item: CaptureItem, parser: SiteParser) -> Judgement:
    """Judge one fetch attempt and what its parser read of it (``read_article`` first)."""
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
    return Judgement(verdict, reading)


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
