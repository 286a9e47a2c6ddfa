"""Site parser for charter97.org (Charter'97): article pages, listings and RSS feeds."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crawler.items import ArticleItem
from crawler.parsing import collapse, element_text, html_selector, parse_count, parse_datetime
from crawler.sites import register
from crawler.sites import selectors_charter97 as sel
from crawler.sites.base import PageNotFound, ParseError, SiteParser

if TYPE_CHECKING:
    from datetime import datetime, tzinfo
    from urllib.parse import SplitResult

    from parsel import Selector

    from crawler.page import Page


def _normalise(text: str) -> str:
    """Casefolded letters and digits only, so «quotes», '!' and spacing drift do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


_BOILERPLATE_LINES = tuple(_normalise(line) for line in sel.BOILERPLATE_LINES)


def _is_boilerplate_line(text: str) -> bool:
    norm = _normalise(text)
    for line in _BOILERPLATE_LINES:
        # Short lines ("Write a comment") must match almost whole, lest a real
        # paragraph that merely starts with those words be dropped.
        if norm.startswith(line) and (len(line) >= 30 or len(norm) <= len(line) + 12):
            return True
    return False


@register
class Charter97Parser(SiteParser):
    """charter97.org in English, Russian and Belarusian, on the main host or a mirror."""

    name = "charter97"
    version = "1"
    default_timezone = "Europe/Minsk"
    expects = ("headline", "published", "views")

    # -- URLs -------------------------------------------------------------------

    def canonical_url(self, url: str) -> str | None:
        match, parts = _match_article(url)
        if match is None or parts is None:
            return None
        lang, year, month, day, article_id = match.groups()
        if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
            return None
        return f"{_origin(parts)}/{lang}/news/{year}/{int(month)}/{int(day)}/{article_id}/"

    def listing_pages(self, start_url: str, pages: int) -> list[str]:
        try:
            parts = urlsplit(start_url)
        except ValueError:
            return [start_url]
        match = sel.LISTING_PATH.match(parts.path)
        if match is None or pages <= 1:
            return [start_url]
        first = int(match.group(2) or 1)
        base = f"{parts.scheme}://{parts.netloc}/{match.group(1)}/news/p"
        return [start_url] + [f"{base}/{n}/" for n in range(first + 1, first + pages)]

    def article_links(self, page: Page) -> list[str]:
        document = html_selector(page)
        anchors = document.css(sel.LISTING_LINKS) or [
            a for a in document.css(sel.ALL_LINKS) if not a.xpath(sel.AD_ITEMS)
        ]
        return self.canonical_links(page, [a.attrib.get("href", "") for a in anchors])

    # -- Articles -----------------------------------------------------------------

    def read_article(self, page: Page) -> ArticleItem:
        document = html_selector(page)
        root = next((found[0] for css in sel.ROOT if (found := document.css(css))), None)
        if root is None:
            if _says_not_found(document):
                raise PageNotFound("soft-404: the page says not found")
            raise ParseError("no article")

        headline = element_text(h[0]) if (h := root.css(sel.HEADLINE)) else ""
        lead = element_text(p[0]) if (p := root.css(sel.LEAD)) else ""
        body = _body(root)
        published, published_raw = _published(root, self.timezone)
        if published_raw is None and _says_not_found(document):
            raise PageNotFound("soft-404: the page says not found")
        if not headline:
            raise ParseError("no headline")
        if not (lead or body):
            raise ParseError("no body")

        views_raw = _raw(root.xpath(sel.VIEWS))
        comments_raw = _raw(root.xpath(sel.COMMENTS))
        match, _ = _match_article(page.url)
        return ArticleItem(
            url=self.canonical_url(page.url) or page.url,
            site_article_id=match.group(5) if match else None,
            language=match.group(1) if match else None,
            headline=headline,
            lead=lead or None,
            body=body,
            published=published,
            published_raw=published_raw,
            image=_image(root, page.url),
            videos=_videos(root, page.url),
            views=parse_count(views_raw),
            views_raw=views_raw,
            comments=(0 if comments_raw == "" else parse_count(comments_raw)),
            comments_raw=comments_raw,
            extras=_opengraph(document),
        )


# -- helpers (pure functions of a selector) -------------------------------------


def _match_article(url: str) -> tuple[re.Match[str] | None, SplitResult | None]:
    try:
        parts = urlsplit(collapse(url))
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None, None
    if parts.scheme not in ("http", "https") or not host:
        return None, None
    return sel.ARTICLE_PATH.match(parts.path), parts


def _origin(parts: SplitResult) -> str:
    """Mirrors map to the main host; any other host (a local copy) keeps its own origin."""
    host = parts.hostname or ""
    if host in sel.MIRROR_HOSTS or host.endswith(sel.MIRROR_SUFFIXES):
        return sel.MAIN_ORIGIN
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}"


def _says_not_found(document: Selector) -> bool:
    texts = document.xpath("//title | //h1")
    return any(sel.NOT_FOUND.search(element_text(t)) for t in texts)


def _body(root: Selector) -> tuple[str, ...]:
    candidates = root.xpath(sel.BODY_DIRECT) or root.xpath(".//p")
    paragraphs = []
    for p in candidates:
        if p.xpath(sel.LEAD_SELF) or p.xpath(sel.BOILERPLATE):
            continue
        text = element_text(p)
        if text and not _is_boilerplate_line(text):
            paragraphs.append(text)
    return tuple(paragraphs)


def _published(root: Selector, tz: tzinfo) -> tuple[datetime | None, str | None]:
    """The date in the info list; failing that, anywhere in the article header."""
    for item in root.css(sel.INFO_ITEMS):
        found = parse_datetime(element_text(item), tz)
        if found[1]:
            return found
    header = root.css(sel.HEADER)
    return parse_datetime(element_text(header[0]) if header else "", tz)


def _raw(found: list[Selector]) -> str | None:
    """Collapsed text of the first match; "" for an empty element, None when absent."""
    return element_text(found[0]) if found else None


def _absolute(base: str, src: str | None) -> str | None:
    src = collapse(src)
    if not src or src.startswith(("data:", "javascript:", "about:")):
        return None
    if src.startswith("//"):  # embeds are https; do not let an http mirror flip them
        return "https:" + src
    return urljoin(base, src)


def _image(root: Selector, base: str) -> str | None:
    for css in sel.IMAGE:
        for img in root.css(css):
            if img.xpath(sel.BOILERPLATE):
                continue
            url = _absolute(base, img.attrib.get("src") or img.attrib.get("data-src"))
            if url:
                return url
    return None


def _videos(root: Selector, base: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for el in root.xpath(sel.VIDEOS):
        if el.xpath(sel.BOILERPLATE):
            continue
        url = _absolute(base, el.attrib.get("src") or el.attrib.get("data-src"))
        if url:
            found.setdefault(url)
    return tuple(found)


def _opengraph(document: Selector) -> dict[str, str]:
    extras: dict[str, str] = {}
    for meta in document.xpath(sel.OPENGRAPH):
        key, value = meta.attrib.get("property", ""), collapse(meta.attrib.get("content"))
        if value:
            extras.setdefault(key, value)
    return extras
