"""The local site's RSS feeds and sitemaps (an index, one per edition, a news sitemap)."""

from __future__ import annotations

from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

from localsite.articles import SITE_TZ
from localsite.pages import ui

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from localsite.articles import SiteArticle


def rss(items: Iterable[SiteArticle], *, lang: str, base_url: str, now: datetime) -> bytes:
    """An RSS 2.0 feed with absolute links."""
    t = ui(lang)
    entries = "".join(
        f"<item><title>{escape(a.headline)}</title><link>{base_url}{a.path}</link>"
        f'<guid isPermaLink="true">{base_url}{a.path}</guid>'
        f"<pubDate>{format_datetime(a.date.replace(tzinfo=SITE_TZ))}</pubDate>"
        f"<description>{escape(a.lead or '')}</description></item>\n"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>\n'
        f"<title>{escape(t['site'])} - {t['news']} (synthetic)</title>\n"
        f"<link>{base_url}/{lang}/news/</link>\n"
        f"<description>Synthetic feed of the Palimpsest local test site</description>\n"
        f"<language>{lang}</language>\n"
        f'<atom:link href="{base_url}/{lang}/rss/all/" rel="self" type="application/rss+xml"/>\n'
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>\n"
        f"{entries}</channel></rss>\n"
    ).encode()


_SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def sitemap_index(locations: Iterable[str], items: Sequence[SiteArticle]) -> bytes:
    """A sitemap index; every child's ``lastmod`` is the newest change on the site."""
    newest = max((a.lastmod for a in items), default=None)
    stamp = f"<lastmod>{newest.isoformat()}</lastmod>" if newest else ""
    entries = "".join(f"<sitemap><loc>{escape(loc)}</loc>{stamp}</sitemap>\n" for loc in locations)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SITEMAP_NS}>\n{entries}</sitemapindex>\n'
    ).encode()


def sitemap(items: Iterable[SiteArticle], *, base_url: str) -> bytes:
    """A urlset of one edition's articles with the time each last changed."""
    entries = "".join(
        f"<url><loc>{base_url}{a.path}</loc><lastmod>{a.lastmod.isoformat()}</lastmod></url>\n" for a in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS}>\n{entries}</urlset>\n'.encode()


def news_sitemap(items: Iterable[SiteArticle], *, base_url: str) -> bytes:
    """A Google news sitemap of the newest articles (publication date, no lastmod)."""
    entries = "".join(
        f"<url><loc>{base_url}{a.path}</loc><news:news><news:publication><news:name>"
        f"{escape(ui(a.lang)['site'])}</news:name><news:language>{a.lang}</news:language></news:publication>"
        f"<news:publication_date>{a.date.replace(tzinfo=SITE_TZ).isoformat()}</news:publication_date>"
        f"<news:title>{escape(a.headline)}</news:title></news:news></url>\n"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS} '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{entries}</urlset>\n'
    ).encode()
