"""Structured article data a page publishes (JSON-LD, microdata, OpenGraph), via extruct."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.parsing import collapse, element_text, parse_count

logger = logging.getLogger(__name__)

SYNTAXES = ["json-ld", "microdata", "opengraph"]
ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BlogPosting",
        "Report",
        "LiveBlogPosting",
    }
)
VIEW_ACTIONS = ("ViewAction", "WatchAction", "ReadAction")
COMMENT_ACTIONS = ("CommentAction",)


@dataclass(frozen=True)
class Metadata:
    """What the page says about itself; every field optional, raw strings as printed."""

    headline: str | None = None
    published_raw: str | None = None
    updated_raw: str | None = None
    author: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    views: int | None = None
    comments: int | None = None
    extras: dict[str, str] = field(default_factory=dict)
    live_updates: tuple[tuple[str | None, tuple[str, ...]], ...] = ()
    """A live blog's entries as the page lists them (``LiveBlogPosting.liveBlogUpdate``):
    each entry's headline, if any, and the paragraphs of its text."""


def metadata(tree: Any, url: str) -> Metadata:
    """The page's article item (JSON-LD first, then microdata), OpenGraph filling the gaps."""
    import extruct  # here, not at the top: a crawl of hand-written sites never pays for it

    try:
        found = extruct.extract(tree, base_url=url, syntaxes=SYNTAXES, uniform=True, errors="ignore")
    except Exception:  # broken markup or JSON: no structured data rather than no article
        logger.debug("structured data unreadable on %s", url, exc_info=True)
        return Metadata()
    item = next(
        (i for syntax in ("json-ld", "microdata") for i in _items(found.get(syntax, [])) if _types(i) & ARTICLE_TYPES),
        {},
    )
    og = next(iter(found.get("opengraph", [])), {})
    return Metadata(
        headline=_text(item.get("headline")) or _text(og.get("og:title")),
        published_raw=_text(item.get("datePublished")) or _text(og.get("article:published_time")),
        updated_raw=_text(item.get("dateModified")) or _text(og.get("article:modified_time")),
        author=_names(item.get("author")),
        image=_url(item.get("image")) or _text(og.get("og:image")),
        tags=_keywords(item.get("keywords")),
        views=_counter(item, VIEW_ACTIONS),
        comments=_int(item.get("commentCount")) if "commentCount" in item else _counter(item, COMMENT_ACTIONS),
        extras={k: v for k, v in og.items() if isinstance(v, str) and k.startswith(("og:", "article:"))},
        live_updates=_live_updates(_items(found.get("json-ld", []))),
    )


def _live_updates(items: list[dict]) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
    """The entries of the page's first live blog that have text of their own."""
    blog = next((i for i in items if "LiveBlogPosting" in _types(i)), {})
    updates = blog.get("liveBlogUpdate") or []
    entries = []
    for update in updates if isinstance(updates, list) else [updates]:
        if isinstance(update, dict) and (paragraphs := _paragraphs(update.get("articleBody"))):
            entries.append((_unescaped(update.get("headline")), paragraphs))
    return tuple(entries)


def _paragraphs(value: Any) -> tuple[str, ...]:
    """An ``articleBody`` as paragraphs: its lines, or its block elements where a site put
    HTML in it; never markup, and entities some sites escape twice are read."""
    if not isinstance(value, str) or not value.strip():
        return ()
    text = html.unescape(value) if "&" in value else value
    if "<" in text:
        import lxml.html

        try:
            root = lxml.html.fragment_fromstring(text, create_parent="div")
        except Exception:  # not markup after all, or markup lxml will not read: no text
            return ()
        lines = [element_text(block) for block in root.iter(*_BLOCKS)] or [element_text(root)]
    else:
        lines = text.splitlines()
    return tuple(line for line in map(collapse, lines) if line)


_BLOCKS = ("p", "li", "h2", "h3", "h4", "blockquote")


def parse_iso(raw: str | None, zone: Any) -> datetime | None:
    """An ISO 8601 date or time; a naive one is in ``zone``."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _items(items: list) -> list[dict]:
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
            out.extend(i for i in item.get("@graph", []) if isinstance(i, dict))
    return out


def _types(item: dict) -> set[str]:
    kind = item.get("@type", ())
    return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return collapse(value) or None if isinstance(value, str) else None


def _unescaped(value: Any) -> str | None:
    """Text that some sites escape twice as HTML inside their JSON (``&ldquo;``, ``&#39;``)."""
    text = _text(value)
    return collapse(html.unescape(text)) or None if text and "&" in text else text


def _names(value: Any) -> str | None:
    values = value if isinstance(value, list) else [value]
    names = [v.get("name") if isinstance(v, dict) else v for v in values]
    return ", ".join(n for n in map(_text, names) if n) or None


def _url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return _text(value)


def _keywords(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(k for k in (collapse(v) for v in value if isinstance(v, str)) if k) if isinstance(value, list) else ()


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return parse_count(value) if isinstance(value, str) else None


def _counter(item: dict, actions: tuple[str, ...]) -> int | None:
    """``interactionStatistic``: an InteractionCounter whose interactionType is one of ``actions``."""
    stats = item.get("interactionStatistic") or []
    for stat in stats if isinstance(stats, list) else [stats]:
        if not isinstance(stat, dict):
            continue
        kind = stat.get("interactionType")
        kind = kind.get("@type") if isinstance(kind, dict) else kind
        if isinstance(kind, str) and kind.rsplit("/", 1)[-1] in actions:
            return _int(stat.get("userInteractionCount"))
    return None
