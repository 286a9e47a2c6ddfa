"""Typed items: what a site parser extracts from one article page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from changes.content import Content
from changes.times import iso

if TYPE_CHECKING:
    from datetime import datetime

    from changes.records import Fetched


@dataclass(frozen=True, kw_only=True)
class ArticleItem:
    """One article as a site parser reads it from one page.

    Raw strings sit beside normalised values (``published_raw`` / ``published``) so
    that a reviewer can always see what the page said, not only what we made of it.
    Content fields (headline … image) make a version; ``views`` and ``comments`` are
    volatile metrics and never do.
    """

    url: str
    """Canonical article URL (per-site normalisation, e.g. trailing slash, main host)."""
    site_article_id: str | None = None
    """The site's own id for the article, e.g. ``"631957"``, when the URL or page carries one."""
    language: str | None = None
    """ISO 639-1 code of the edition, e.g. ``"en"`` or ``"ru"``."""
    headline: str
    """Headline text, whitespace collapsed."""
    lead: str | None = None
    """Standfirst / lead paragraph, or None when the page has none."""
    body: tuple[str, ...] = ()
    """Body paragraphs in page order, boilerplate dropped, whitespace collapsed."""
    published: datetime | None = None
    """Publication time, time-zone aware (the site's zone when the page prints none)."""
    published_raw: str | None = None
    """The publication date as printed (white space collapsed), e.g. ``"7.10.2025, 17:05"``."""
    updated: datetime | None = None
    """Last-updated time when the page states one, time-zone aware."""
    updated_raw: str | None = None
    """The updated date as printed (white space collapsed)."""
    author: str | None = None
    """Byline, when the page has one."""
    tags: tuple[str, ...] = ()
    """Tags or rubrics in page order."""
    image: str | None = None
    """Absolute URL of the main image."""
    videos: tuple[str, ...] = ()
    """Absolute URLs of embedded videos (iframe/video sources), in page order."""
    views: int | None = None
    """View counter as an integer (``"2,422"`` -> 2422); None when absent or unreadable."""
    views_raw: str | None = None
    """The view counter as printed (white space collapsed)."""
    comments: int | None = None
    """Comment count; 0 when the page shows an empty counter; None when absent."""
    comments_raw: str | None = None
    """The comment counter as printed (white space collapsed)."""
    extras: dict[str, str] = field(default_factory=dict)
    """Optional metadata (OpenGraph, JSON-LD) that never makes a version."""

    def content(self) -> Content:
        """The fields that make a version (the crawl's and ``evidence.reparse``'s reading)."""
        return Content.build(
            headline=self.headline,
            lead=self.lead,
            body=self.body,
            published=iso(self.published),
            published_raw=self.published_raw,
            updated=iso(self.updated),
            author=self.author,
            tags=self.tags,
            image=self.image,
            videos=self.videos,
        )


@dataclass(frozen=True, kw_only=True)
class CaptureItem:
    """One fetch attempt as the spider hands it to the archive pipeline.

    Every request the spider makes ends in exactly one CaptureItem, failures included:
    the archive keeps every attempt, and only the pipeline decides what it means.
    """

    fetched: Fetched
    """The HTTP exchange, or the error that stopped it."""
    article_url: str | None = None
    """Canonical URL of the article requested; None for listings and feeds."""
    article: ArticleItem | None = None
    """What the parser read, when it could."""
    parse_error: str | None = None
    not_found: bool = False
    """The parser recognised a soft-404 page."""
    parser: str = ""
    parser_version: str = ""
