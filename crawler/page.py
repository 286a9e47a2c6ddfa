"""A fetched page as parsers see it: URL, status, headers and decoded body, no Scrapy."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from parsel import Selector
from w3lib.encoding import html_to_unicode


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
        content_type = self.headers.get("content-type", "")
        encoding, text = html_to_unicode(content_type, self.body, auto_detect_fun=_detect_encoding)
        if encoding.replace("-", "").lower() in ("utf8", "utf8sig") and "\ufffd" in text:
            # Declared UTF-8 but not UTF-8 (cp1251 behind a wrong label is common in the
            # region): decoding with replacement characters would read as an edit.
            try:
                self.body.decode("utf-8")
            except UnicodeDecodeError:
                detected = _detect_encoding(self.body)
                if detected and detected.replace("-", "").lower() != "utf8":
                    return detected, self.body.decode(detected, errors="replace")
        return encoding, text

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text, type="html", base_url=self.url)

    @classmethod
    def from_text(cls, url: str, html: str, *, status: int = 200) -> Page:
        """A Page from already-decoded HTML (tests, fixtures)."""
        return cls(url=url, body=html.encode("utf-8"), status=status,
                   headers={"content-type": "text/html; charset=utf-8"})


def _detect_encoding(body: bytes) -> str | None:
    """Guess a charset when neither the header nor the page declares one.

    cp1251 is common in the region and undeclared pages are not rare, so try strict
    UTF-8 first and fall back to charset-normalizer's best guess.
    """
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency of requests/trafilatura
        return "cp1251"
    best = from_bytes(body[:65536]).best()
    return best.encoding if best else "cp1251"

