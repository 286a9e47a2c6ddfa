"""Fallback parser for any news site: structured data first (JSON-LD, microdata,
OpenGraph via extruct), trafilatura for the body, htmldate for a date the page does not state."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.items import ArticleItem
from crawler.parsing import collapse, element_text, html_selector, is_noise_line
from crawler.sites import register
from crawler.sites.base import ParseError, SiteParser
from crawler.structured import metadata, parse_iso

if TYPE_CHECKING:
    from crawler.page import Page
    from crawler.structured import Metadata

logger = logging.getLogger(__name__)

HEADLINE = ("//meta[@property='og:title']/@content", "//h1", "//title")
CANONICAL = "//link[@rel='canonical']/@href"
# Precision/recall trade-off measured with bench/extraction.py on the fundus set.
# favor_precision/favor_recall and tables each scored lower there.
EXTRACT_OPTIONS = {"include_comments": False, "include_tables": False}
# Extensive search costs ~2 ms a page and wins ~4 points of accuracy (bench/extraction.py).
DATE_OPTIONS = {"original_date": True, "extensive_search": True}

# Counters, date lines and share widgets, dropped before the body is extracted. Only
# small elements go: a class word such as "date" on a whole article column must not.
NOISE = (  # a class word that starts a class name or a BEM part: "share-bar", "news__views"
    "//*[contains(concat(' ', @class), ' {0}') or contains(@class, '_{0}') or contains(@class, '-{0}')"
    " or starts-with(@id, '{0}')]"
)
NOISE_CLASS_WORDS = (
    "share",
    "social",
    "counter",
    "views",
    "pluso",
    "subscribe",
    "likes",
    "rating",
    "date",
    "time",
    "meta",
    "byline",
    "info",
    "comments",
)
NOISE_TAGS = "//time | //form | //button"
NOISE_MAX_TEXT = 300
"""Characters of text above which a matching element is kept (it holds more than furniture)."""
# Blocks that point away from the article (teasers, most-read lists, author bios), dropped whatever
# their size, unless they hold the headline or most of the page's paragraph text.
BLOCK_CLASS_WORDS = ("related", "popular", "promo", "recommend", "trending", "newsletter", "bio")
# What a reader never sees: hidden elements and closed overlays (a "bookmark" lightbox).
HIDDEN = (
    "//*[@hidden or contains(translate(@style, ' ', ''), 'display:none') or @aria-hidden='true'"
    " or contains(@class, 'nodisplay')] | //amp-lightbox"
)

# What an article URL usually looks like when the site gives no rule: a date in the path,
# a long number (an id), a slug of several words, or a page file.
ARTICLE_URL = re.compile(r"/(?:19|20)\d\d/\d{1,2}/|\d{4,}|/[^/]*\w-\w[^/]*-\w[^/]*-\w[^/]*/?$|\.s?html?$")


@register
class GenericParser(SiteParser):
    """Any article page: no site knowledge, library extractors only."""

    name = "generic"
    version = "4"
    expects = ("headline", "body")
    # trafilatura takes about a second per MB of HTML on a 2-core machine (84 s at 30 MB).
    max_page_bytes = 2_000_000

    def canonical_url(self, url: str) -> str | None:
        try:
            parts = urlsplit(collapse(url))
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))

    def article_links(self, page: Page) -> list[str]:
        host = urlsplit(page.url).netloc.lower()
        own = self.canonical_url(page.url)
        links = self.canonical_links(page, html_selector(page).xpath("//a/@href").getall())
        return [
            url
            for url in links
            if urlsplit(url).netloc == host
            and url != own
            and (self.article_urls is not None or looks_like_article(url))
        ]

    def read_article(self, page: Page) -> ArticleItem:
        document = html_selector(page)
        meta = metadata(document.root, page.url)  # structured data first: the site's own words
        titles = [element_text(found[0]) for xpath in HEADLINE if (found := document.xpath(xpath))]
        headline = next((title for title in (meta.headline, *titles) if title), "")
        if not headline:
            raise ParseError("no headline")
        body = self.extract_body(page)
        if body and body[0].casefold() in {t.casefold() for t in (headline, *titles)}:
            body = body[1:]  # trafilatura often repeats the <h1>; the headline is its own field
        body = self.with_structured_text(body, meta)
        if not body:
            raise ParseError("no body")
        published = parse_iso(meta.published_raw, self.timezone)
        published_raw = meta.published_raw if published else None
        if published is None:
            published, published_raw = self.find_published(page)
        canonical = self.canonical_url(urljoin(page.url, document.xpath(CANONICAL).get() or ""))
        return ArticleItem(
            url=canonical or self.canonical_url(page.url) or page.url,
            headline=headline,
            body=body,
            published=published,
            published_raw=published_raw,
            updated=parse_iso(meta.updated_raw, self.timezone),
            updated_raw=meta.updated_raw,
            author=meta.author,
            tags=meta.tags,
            image=urljoin(page.url, meta.image) if meta.image else None,
            views=meta.views,
            views_raw=str(meta.views) if meta.views is not None else None,
            comments=meta.comments,
            comments_raw=str(meta.comments) if meta.comments is not None else None,
            language=document.xpath("/html/@lang").get(default="")[:2].lower() or None,
            extras=meta.extras,
        )

    def extract_body(self, page: Page) -> tuple[str, ...]:
        """Body paragraphs, one per line of trafilatura's text output, page furniture dropped."""
        import trafilatura  # here, not at the top: a crawl of hand-written sites never pays for it
        from trafilatura.utils import load_html

        tree = load_html(page.text)
        if tree is None:
            return ()
        self.drop_noise(tree)
        text = trafilatura.extract(tree, url=page.url, output_format="txt", **EXTRACT_OPTIONS)
        return tuple(line for line in map(collapse, (text or "").splitlines()) if line and not is_noise_line(line))

    @staticmethod
    def drop_noise(tree: object) -> None:
        """This version's furniture rules (:func:`drop_noise`)."""
        drop_noise(tree)

    def with_structured_text(self, body: tuple[str, ...], meta: Metadata) -> tuple[str, ...]:
        """The body with the text a page publishes only as structured data (none before v6)."""
        return body

    def find_published(self, page: Page) -> tuple[datetime | None, str | None]:
        """htmldate's day of original publication, as midnight in the site's zone."""
        from htmldate import find_date

        try:
            raw = find_date(page.text, url=page.url, **DATE_OPTIONS)
        except Exception:  # htmldate on a broken document: no date rather than no article
            logger.debug("generic: htmldate failed on %s", page.url, exc_info=True)
            return None, None
        if not raw:
            return None, None
        try:
            day = datetime.strptime(raw, "%Y-%m-%d")
        except ValueError:
            return None, raw
        return day.replace(tzinfo=self.timezone), raw


def looks_like_article(url: str) -> bool:
    """A URL shaped like a story's (see :data:`ARTICLE_URL`), not a section, tag or feed."""
    parts = urlsplit(url)
    return bool(ARTICLE_URL.search(parts.path + ("?" + parts.query if parts.query else "")))


_NOISE_XPATH = " | ".join([NOISE.format(word) for word in NOISE_CLASS_WORDS] + [NOISE_TAGS])
_BLOCK_XPATH = " | ".join(NOISE.format(word) for word in BLOCK_CLASS_WORDS)


def drop_noise(tree: object) -> None:
    """Remove what is no part of the article from ``tree``: hidden elements, teaser and
    most-read blocks, and counters, date lines and share widgets (small elements only)."""
    paragraphs = sum(len(p.text_content()) for p in tree.xpath("//p"))
    for el in tree.xpath(HIDDEN + " | " + _BLOCK_XPATH):
        if el.getparent() is None or el.tag in ("html", "body", "main", "article") or el.xpath(".//h1"):
            continue
        # A wrapper that merely carries such a class word must not take the story with it.
        if sum(len(p.text_content()) for p in el.xpath(".//p")) > paragraphs / 2:
            continue
        el.drop_tree()
    for el in tree.xpath(_NOISE_XPATH):
        if el.getparent() is not None and len(el.text_content()) <= NOISE_MAX_TEXT:
            el.drop_tree()
    for p in tree.xpath("//p[.//a]"):  # a paragraph that is one link, whole: a teaser, not the story
        text = "".join(p.text_content().split())
        if text and text == "".join("".join(a.text_content() for a in p.xpath(".//a")).split()):
            p.drop_tree()


@register
class GenericParserV5(GenericParser):
    """v4's furniture rules with guards that keep the page's own text (:func:`drop_noise_v5`).

    Measured on the htmldate set's pages of other kinds, where v4 kept less of
    trafilatura's text than v3 (bench/RESULTS.md, "Generic parser on the public sets")."""

    version = "5"
    valid_from = date(2026, 12, 1)
    """Captures from the day of this change on are read by v5; older ones keep their v4 reading."""

    @staticmethod
    def drop_noise(tree: object) -> None:
        drop_noise_v5(tree)


# v5: a class word is matched against the parts of a class or id ("most-popular",
# "td_module_related_posts", "relatedPost"), never inside a longer word: "node-promoted",
# "tag-biopolitik" or "biologische" are no furniture. Long words may begin a part
# ("relatedstories", "recommender"); the short ones must be the whole part.
BLOCK_PREFIXES = ("related", "recommend", "popular", "trending", "newsletter")
BLOCK_PARTS = frozenset({"promo", "promos", "bio", "bios", "biography"})
_PARTS = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")


def is_furniture_name(value: str) -> bool:
    """Whether a class or id value names a teaser, most-read, newsletter or bio block."""
    for part in _PARTS.split(value):
        part = part.lower()
        if part in BLOCK_PARTS or part.startswith(BLOCK_PREFIXES):
            return True
    return False


def _paragraph_chars(el: object) -> int:
    return sum(len(p.text_content()) for p in el.xpath(".//p"))


def main_container(tree: object) -> object | None:
    """The element whose own paragraphs (its child ``<p>``) hold the most text: the story's
    column on an article page, the page's main text elsewhere."""
    best, most = None, 0
    for parent in {p.getparent() for p in tree.iter("p")} - {None}:
        chars = sum(len(p.text_content()) for p in parent.iterchildren("p"))
        if chars > most:
            best, most = parent, chars
    return best


def is_series_item(el: object, hidden: set[object]) -> bool:
    """Whether hidden ``el`` has a visible sibling of its kind (same tag, same first class):
    a gallery item or a tab that script shows in turn, not an overlay."""
    kind = (el.get("class") or "").split()[:1]
    parent = el.getparent()
    if not kind or parent is None:
        return False
    return any(
        other is not el and other not in hidden and (other.get("class") or "").split()[:1] == kind
        for other in parent.iterchildren(el.tag)
    )


def drop_noise_v5(tree: object) -> None:
    """:func:`drop_noise` with guards that keep the page's own text:

    - class and id words match whole parts of the name (:func:`is_furniture_name`);
    - a furniture block that holds the main text container (:func:`main_container`)
      stays: "category-newsletter" or "tag-popular" on a post's own element (a hidden
      one does not: a closed overlay can hold a page's longest paragraphs);
    - a hidden element stays when it is one item of a series shown one at a time
      (:func:`is_series_item`: gallery items, tabs), not a closed overlay;
    - a paragraph that is one link, whole, stays inside a list item: a list of links
      is the content of a link-list page, not a teaser inside a story.
    """
    paragraphs = sum(len(p.text_content()) for p in tree.iter("p"))
    main = main_container(tree)
    guarded = set() if main is None else {main, *main.iterancestors()}
    hidden = tree.xpath(HIDDEN)
    invisible = set(hidden)
    hidden = [el for el in hidden if not is_series_item(el, invisible)]
    named = [
        el
        for el in tree.xpath("//*[@class or @id]")
        if is_furniture_name(el.get("class") or "") or is_furniture_name(el.get("id") or "")
    ]
    for el in hidden + named:
        if el.getparent() is None or el.tag in ("html", "body", "main", "article"):
            continue
        if el in guarded and el not in invisible:  # what a reader never sees goes, main text or not
            continue
        if el.xpath(".//h1") or _paragraph_chars(el) > paragraphs / 2:
            continue
        el.drop_tree()
    for el in tree.xpath(_NOISE_XPATH):
        if el.getparent() is not None and len(el.text_content()) <= NOISE_MAX_TEXT:
            el.drop_tree()
    for p in tree.xpath("//p[.//a][not(ancestor::li)]"):
        text = "".join(p.text_content().split())
        if text and text == "".join("".join(a.text_content() for a in p.xpath(".//a")).split()):
            p.drop_tree()


@register
class GenericParserV6(GenericParserV5):
    """v5, plus the entries of a live blog that publishes them only as structured data.

    Some live blogs render their entries with script, so the HTML holds the introduction
    alone and the entries are in the JSON-LD ``liveBlogUpdate`` only: v5 read the
    introduction as the whole story, and an entry rewritten later went unseen. Where the
    page renders its entries they are in the body already, and nothing is added."""

    version = "6"
    valid_from = date(2026, 12, 2)
    """Captures from this day on are read by v6; older ones keep their v4 or v5 reading."""

    def with_structured_text(self, body: tuple[str, ...], meta: Metadata) -> tuple[str, ...]:
        return body + missing_entries(body, meta.live_updates)


def missing_entries(body: tuple[str, ...], entries: tuple[tuple[str | None, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """Each live-blog entry the body does not already hold, as its headline and its
    paragraphs (counters, date lines and share rows left out, as everywhere in a body)."""
    have = _comparable(" ".join(body))
    missing: list[str] = []
    for headline, paragraphs in entries:
        if " ".join(_comparable(" ".join(paragraphs)).split()[:ENTRY_KEY_WORDS]) in have:
            continue
        if headline and _comparable(headline) not in have:
            missing.append(headline)
        missing.extend(line for line in paragraphs if not is_noise_line(line))
    return tuple(missing)


ENTRY_KEY_WORDS = 12
"""An entry counts as in the body when its first words are: enough to be one entry's own,
few enough that a page's small changes to the rest (a link, a line break) do not matter."""


def _comparable(text: str) -> str:
    return " ".join(text.casefold().split())
