"""Site parser for onliner.by: a Belarusian portal whose articles show a view counter."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crawler.items import ArticleItem
from crawler.parsing import collapse, element_text, html_selector, parse_count
from crawler.sites import register
from crawler.sites import selectors_onliner as sel
from crawler.sites.base import PageNotFound, ParseError, SiteParser

if TYPE_CHECKING:
    from parsel import Selector

    from crawler.page import Page


@register
class OnlinerParser(SiteParser):
    """onliner.by articles on any section subdomain (or a local copy at its own origin)."""

    name = "onliner"
    version = "1"
    default_timezone = "Europe/Minsk"
    expects = ("headline", "body", "published", "views")

    def canonical_url(self, url: str) -> str | None:
        try:
            parts = urlsplit(collapse(url))
            host = (parts.hostname or "").lower()
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not host or not sel.ARTICLE_PATH.match(parts.path):
            return None
        path = parts.path.rstrip("/")
        if host == sel.MAIN_DOMAIN or host.endswith("." + sel.MAIN_DOMAIN):
            host = host.removeprefix("www.").removeprefix("m.")
            return f"https://{host}{path}"
        netloc = host + (f":{port}" if port else "")
        return f"{parts.scheme}://{netloc}{path}"

    def group(self, url: str) -> str:
        """The section: the subdomain (people, tech, auto, realt, money)."""
        host = (urlsplit(url).hostname or "").lower()
        if host.endswith("." + sel.MAIN_DOMAIN):
            return host.removesuffix("." + sel.MAIN_DOMAIN)
        return host or "/"

    def article_links(self, page: Page) -> list[str]:
        document = html_selector(page)
        anchors = document.css(sel.LISTING_LINKS) or document.css("a[href]")
        return self.canonical_links(page, [a.attrib.get("href", "") for a in anchors])

    def read_article(self, page: Page) -> ArticleItem:
        document = html_selector(page)
        headline = next((element_text(f[0]) for css in sel.HEADLINE if (f := document.css(css))), "")
        body = _body(document)
        if not (headline and body) and any(
            sel.NOT_FOUND.search(element_text(t)) for t in document.xpath("//title | //h1")
        ):
            raise PageNotFound("soft-404: the page says not found")
        if not headline:
            raise ParseError("no headline")
        if not body:
            raise ParseError("no body")
        time_raw = _raw(document.css(sel.TIME))
        published, published_raw = self.published(time_raw, document.css(sel.PUBLISHED_META).get())
        views_raw, comments_raw = _raw(document.css(sel.VIEWS)), _raw(document.css(sel.COMMENTS))
        lead = _raw(document.css(sel.LEAD))
        if lead and body[0] == lead:  # a wholly bold first paragraph is the lead
            body = body[1:]
        else:
            lead = None
        image = next((v for css in sel.IMAGE if (v := document.css(css).get())), None)
        return ArticleItem(
            url=self.canonical_url(page.url) or page.url,
            language="ru",
            headline=headline,
            lead=lead or None,
            body=body,
            published=published,
            published_raw=published_raw,
            author=_raw(document.css(sel.AUTHOR)) or None,
            tags=tuple(t for t in (element_text(a) for a in document.css(sel.TAGS)) if t),
            image=urljoin(page.url, image) if image else None,
            views=parse_count(views_raw),
            views_raw=views_raw,
            comments=(0 if comments_raw == "" else parse_count(comments_raw)),
            comments_raw=comments_raw,
        )

    def published(self, printed: str | None, meta: str | None) -> tuple[datetime | None, str | None]:
        """The header's "7 октября 2025 в 17:05" in the site's zone; else the OpenGraph time."""
        match = sel.DATE.search(printed or "")
        if match:
            day, month, year, hour, minute = match.groups()
            raw = collapse(match.group(0))
            try:
                when = datetime(
                    int(year) if year else datetime.now(self.timezone).year,
                    sel.MONTHS.index(month.lower()) + 1,
                    int(day),
                    int(hour),
                    int(minute),
                    tzinfo=self.timezone,
                )
            except ValueError:
                return None, raw
            return when, raw
        if meta:
            try:
                when = datetime.fromisoformat(meta.strip().replace("Z", "+00:00"))
            except ValueError:
                return None, collapse(meta)
            return (when if when.tzinfo else when.replace(tzinfo=self.timezone)), collapse(meta)
        return None, collapse(printed) or None


def _raw(found: list[Selector]) -> str | None:
    return element_text(found[0]) if found else None


def _body(document: Selector) -> tuple[str, ...]:
    candidates = next((f for css in sel.BODY if (f := document.css(css))), [])
    out = []
    for p in candidates:
        if p.xpath(sel.BOILERPLATE):
            continue
        text = element_text(p)
        if text and not sel.BOILERPLATE_LINES.match(text):
            out.append(text)
    return tuple(out)
