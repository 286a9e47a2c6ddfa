"""Plain values the archive writer takes: one fetch attempt and what was read from it.

They sit here, below both the crawler that makes them and the store that keeps them;
the bytes an exchange is archived as are ``httpmsg``'s, the one format every reader shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpmsg

if TYPE_CHECKING:
    from datetime import datetime

    from changes.content import Content


class CaptureKind(StrEnum):
    """What was fetched: an article page, a listing page, a feed or a sitemap."""

    ARTICLE = "article"
    LISTING = "listing"
    FEED = "feed"
    SITEMAP = "sitemap"


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """One HTTP exchange (or the failure to have one), as evidence."""

    kind: CaptureKind
    url: str
    """The URL requested."""
    fetched_at: datetime
    method: str = "GET"
    request_headers: tuple[tuple[str, str], ...] = ()
    status: int | None = None
    """HTTP status; None when no response came (see ``error``)."""
    reason_phrase: str = ""
    http_version: str = "HTTP/1.1"
    response_headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    final_url: str | None = None
    """Where redirects ended; None when there was no redirect."""
    redirects: tuple[str, ...] = ()
    error: str | None = None
    elapsed_ms: int | None = None
    ip: str | None = None
    certificate_pem: bytes | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    """User agent, software and parser versions, anything else worth keeping."""

    @property
    def headers(self) -> dict[str, str]:
        """Response headers with lower-cased names (the last one wins)."""
        return {k.lower(): v for k, v in self.response_headers}

    def request_bytes(self) -> bytes:
        """The request as an HTTP/1.1 message head, in the archive's format (``httpmsg``)."""
        return httpmsg.request_bytes(self.method, self.url, self.request_headers)

    def response_bytes(self) -> bytes | None:
        """The response as an HTTP message (``httpmsg``); None without one."""
        if self.status is None:
            return None
        return httpmsg.response_bytes(
            self.http_version, self.status, self.reason_phrase, self.response_headers, self.body
        )


@dataclass(frozen=True, kw_only=True)
class Reading:
    """What the site parser read from a page (or why it could not)."""

    parser: str
    parser_version: str
    content: Content | None = None
    views: int | None = None
    comments: int | None = None
    parse_error: str | None = None
    not_found: bool = False
    """The parser recognised a soft-404 page."""
    missing_fields: tuple[str, ...] = ()
    """Fields the parser usually reads but did not find on this page."""
    group: str | None = None
    """The section, edition or template the page belongs to, for per-group parser health."""
    suspect: dict[str, Any] = field(default_factory=dict)
    """Values the page printed that cannot be right (``{"views": -5}``): kept as evidence,
    never as metrics, and a suspect date never alone makes a new version."""
