"""A fetched page as parsers see it: URL, status, headers and decoded body, no Scrapy."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from parsel import Selector
from w3lib.encoding import html_to_unicode

if TYPE_CHECKING:
    from changes.records import Fetched


@dataclass(frozen=True)
class Page:
    """One HTTP response body with what is needed to decode and select from it.

    Parsers take a Page so that they run the same on a live Scrapy response, a saved
    file (``palimpsest extract``) and a stored raw capture (``palimpsest reparse``).
    """

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers, names lower-cased."""

    @cached_property
    def encoding(self) -> str:
        """The charset the text was decoded with (header, then <meta>, then detection)."""
        return self._decoded[0]

    @cached_property
    def text(self) -> str:
        return self._decoded[1]

    @cached_property
    def _decoded(self) -> tuple[str, str]:
        return decode_html(self.body, self.headers.get("content-type", ""))

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text, type="html", base_url=self.url)

    @classmethod
    def of(cls, fetched: Fetched) -> Page:
        """The page a fetch answered with, at the URL it ended on (a live crawl's, or a stored capture's)."""
        return cls(
            url=fetched.final_url or fetched.url,
            body=fetched.body or b"",
            status=fetched.status or 200,
            headers=fetched.headers,
        )

    @classmethod
    def from_text(cls, url: str, html: str, *, status: int = 200) -> Page:
        """A Page from already-decoded HTML (tests, fixtures)."""
        return cls(
            url=url, body=html.encode("utf-8"), status=status, headers={"content-type": "text/html; charset=utf-8"}
        )


# A declared (or plausible) charset is abandoned only when most of the page fails in
# it: more bad sequences than this, and more than half of the non-ASCII characters.
MIN_BAD = 8


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(charset, text) of an HTML body, decoded the way a browser would.

    The charset comes from the header, a BOM or ``<meta>``, else a guess. Bytes that
    are invalid in it become U+FFFD one by one, so a stray Latin-1 byte in a comment
    or a multi-byte character cut at the end leaves the rest of the page intact. Only
    when most of the page is undecodable (cp1251 behind a UTF-8 label is common in
    the region) is the whole page decoded with a detected charset instead.
    """
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_encoding)
    if _mostly_undecodable(body, text):
        detected = _guess(body)
        if detected and _codec(detected) != _codec(encoding):
            return detected, body.decode(detected, errors="replace")
    return encoding, text


def _mostly_undecodable(body: bytes, text: str) -> bool:
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    if bad < MIN_BAD:
        return False
    non_ascii = len(text) - len(text.encode("ascii", "ignore").decode())
    return bad * 2 > non_ascii


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _detect_encoding(body: bytes) -> str | None:
    """The charset of a page that declares none: UTF-8 unless most of it fails as UTF-8."""
    if not _mostly_undecodable(body, body.decode("utf-8", errors="replace")):
        return "utf-8"
    return _guess(body)


def _guess(body: bytes) -> str:
    """charset-normalizer's best guess (cp1251, common in the region, when it has none)."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    return best.encoding if best else "cp1251"
