"""A parser configured in palimpsest.toml alone: CSS or XPath per field, no code.

    [[sites]]
    name = "example"
    parser = "selectors"
    start_urls = ["https://example.org/news/"]
    article_urls = '/news/\\d+'
    [sites.selectors]
    headline = "h1.title"
    body = "div.story > p"
    published = "time::attr(datetime)"
    views = "span.views"
    noise = ["div.share", ".related"]

A selector is CSS unless it starts with ``/``, ``./`` or ``(`` (then XPath). Each one is
tried when the config loads, so a typo is a config error, not a silent empty field.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.items import ArticleItem
from crawler.parsing import collapse, element_text, html_selector, is_noise_line, parse_count, parse_datetime
from crawler.sites import register
from crawler.sites.base import ParseError
from crawler.sites.generic import GenericParser

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from zoneinfo import ZoneInfo

    from crawler.page import Page

logger = logging.getLogger(__name__)

SINGLE = ("headline", "lead", "published", "updated", "author", "image", "views", "comments")
MULTIPLE = ("body", "tags", "videos")
FIELDS = SINGLE + MULTIPLE
COUNTERS = ("views", "comments")
OTHER_KEYS = ("root", "noise", "published_format", "updated_format")
_EMPTY = Selector(text="<html><body><p>x</p></body></html>")


@dataclass(frozen=True)
class SelectorSpec:
    """The checked selectors of one site (see the module docstring)."""

    fields: dict[str, str]
    root: str | None = None
    noise: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SelectorSpec:
        """Check a ``[sites.selectors]`` table; ValueError names the key and what is wrong."""
        unknown = sorted(set(data) - set(FIELDS) - set(OTHER_KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown} (known: {', '.join(FIELDS + OTHER_KEYS)})")
        for key in ("headline", "body"):
            if key not in data and not (key == "body" and "lead" in data):
                raise ValueError(f"`{key}` is required")
        fields = {k: _checked(k, data[k]) for k in FIELDS if k in data}
        noise = data.get("noise", [])
        if isinstance(noise, str):
            noise = [noise]
        if not isinstance(noise, list):
            raise ValueError("`noise` must be a list of selectors")
        formats = {}
        for key in ("published_format", "updated_format"):
            if key in data:
                value = data[key]
                if not isinstance(value, str) or "%" not in value:
                    raise ValueError(f"`{key}` must be a strptime format such as '%d.%m.%Y, %H:%M', not {value!r}")
                formats[key.removesuffix("_format")] = value
        root = _checked("root", data["root"]) if "root" in data else None
        return cls(fields=fields, root=root, noise=tuple(_checked("noise", n) for n in noise), formats=formats)


def _checked(key: str, selector: object) -> str:
    if not isinstance(selector, str) or not selector.strip():
        raise ValueError(f"`{key}` must be a CSS or XPath selector, not {selector!r}")
    try:
        select(_EMPTY, selector)
    except Exception as exc:  # cssselect, lxml and parsel each raise their own kind
        kind = "XPath" if is_xpath(selector) else "CSS"
        detail = collapse(str(exc)) or type(exc).__name__
        raise ValueError(f"`{key}`: bad {kind} selector {selector!r}: {detail}") from None
    return selector


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "./", "("))


def select(node: Selector, selector: str) -> list[Selector]:
    return node.xpath(selector) if is_xpath(selector) else node.css(selector)


@register
class SelectorParser(GenericParser):
    """Any site, read with the selectors its config entry gives; URLs as the generic parser's."""

    name = "selectors"
    version = "1"

    def __init__(
        self,
        timezone: ZoneInfo | None = None,
        *,
        expects: Sequence[str] | None = None,
        article_urls: str | None = None,
        selectors: Mapping[str, Any] | None = None,
    ) -> None:
        self.spec = SelectorSpec.from_mapping(selectors or {"headline": "h1", "body": "article p"})
        # It promises what it was told to read, unless the site says otherwise.
        super().__init__(
            timezone, expects=expects if expects is not None else tuple(self.spec.fields), article_urls=article_urls
        )

    def read_article(self, page: Page) -> ArticleItem:
        document = html_selector(page)
        if self.spec.noise:  # a private tree: dropping nodes must not change the cached page
            document = Selector(text=page.text, type="html", base_url=page.url)
            for noise in self.spec.noise:
                for node in select(document, noise):
                    node.drop()
        root = document
        if self.spec.root:
            found = select(document, self.spec.root)
            if not found:
                raise ParseError(f"no article (root {self.spec.root!r} not found)")
            root = found[0]
        texts = {k: self.texts(root, k) for k in self.spec.fields}
        first = {k: (v[0] if v else None) for k, v in texts.items()}
        headline = first.get("headline") or ""
        if not headline:
            raise ParseError("no headline")
        body = tuple(line for line in texts.get("body", []) if not is_noise_line(line))
        lead = first.get("lead")
        if not (body or lead):
            raise ParseError("no body")
        published, published_raw = self.date(first.get("published"), "published")
        updated, updated_raw = self.date(first.get("updated"), "updated")
        views_raw, comments_raw = first.get("views"), first.get("comments")
        return ArticleItem(
            url=self.canonical_url(page.url) or page.url,
            language=document.xpath("/html/@lang").get(default="")[:2].lower() or None,
            headline=headline,
            lead=lead or None,
            body=body,
            published=published,
            published_raw=published_raw,
            updated=updated,
            updated_raw=updated_raw,
            author=first.get("author") or None,
            tags=tuple(texts.get("tags", [])),
            image=urljoin(page.url, first["image"]) if first.get("image") else None,
            videos=tuple(urljoin(page.url, v) for v in texts.get("videos", [])),
            views=_count(views_raw),
            views_raw=views_raw,
            comments=_count(comments_raw),
            comments_raw=comments_raw,
        )

    def texts(self, root: Selector, key: str) -> list[str]:
        """Non-empty texts of what the field's selector matches (one for single fields)."""
        found = select(root, self.spec.fields[key])
        if key in SINGLE:
            found = found[:1]
        out = []
        for node in found:
            text = collapse(node.root) if isinstance(node.root, str) else element_text(node)
            if text or key in COUNTERS:  # an empty counter is a zero, not a missing field
                out.append(text)
        return out

    def date(self, raw: str | None, key: str) -> tuple[datetime | None, str | None]:
        """The configured format, else ISO 8601, else ``D.MM.YYYY, HH:MM``; the site's zone if none."""
        if not raw:
            return None, None
        value = None
        fmt = self.spec.formats.get(key)
        if fmt:
            try:
                value = datetime.strptime(raw, fmt)
            except ValueError:
                logger.debug("%s: %r does not match %r", key, raw, fmt)
        else:
            try:
                value = datetime.fromisoformat(re.sub(r"Z$", "+00:00", raw))
            except ValueError:
                value = parse_datetime(raw, self.timezone)[0]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=self.timezone)
        return value, raw


def _count(raw: str | None) -> int | None:
    return 0 if raw == "" else parse_count(raw)
