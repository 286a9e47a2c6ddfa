"""Selectors and word lists for charter97.org, kept as data (see shared/sites/charter97.md)."""

from __future__ import annotations

import re

from crawler.parsing import has_class

# Hosts that serve the same articles as charter97.org; they map to the main host.
MAIN_ORIGIN = "https://charter97.org"
MIRROR_HOSTS = frozenset(
    {
        "charter97.org",
        "www.charter97.org",
        "m.charter97.org",
        "charter97.link",
        "www.charter97.link",
        "m.charter97.link",
        "c97.org",
    }
)
MIRROR_SUFFIXES = (".c97.org",)  # random subdomains of c97.org

ARTICLE_PATH = re.compile(r"^/(en|ru|be)/news/(\d{4})/(\d{1,2})/(\d{1,2})/(\d+)/?$")
LISTING_PATH = re.compile(r"^/(en|ru|be)/news/(?:p/(\d+)/?)?$")

# Article page. The 2020 prototype (div.post, ul.post__date) is accepted as a fallback.
ROOT = ("div.l-main article.article", "article.article", "div.post", "article")
HEADLINE = "h1"
LEAD = "p.lead"
LEAD_SELF = f"self::*[{has_class('lead')}]"
BODY_DIRECT = "./p"
INFO_ITEMS = "ul.article__info li, ul.post__date li"
HEADER = "header, .article__header, .post__header"
VIEWS = f".//span[{has_class('news__views')}]"
# The header counter, not any counter inside the comments block.
COMMENTS = f".//a[{has_class('news__counter')}][not(ancestor::*[({has_class('comments')}) or @id='comments'])]"
OPENGRAPH = "//meta[starts-with(@property, 'og:') or starts-with(@property, 'article:')]"
IMAGE = ("figure.article__photo img", "figure img", "img")
VIDEOS = ".//iframe | .//video | .//video/source"  # elements: src is read after the boilerplate check

# An element is boilerplate when it, or an ancestor, is one of these blocks.
_BOILERPLATE_BLOCKS = (
    ("social",),
    ("subscribe",),
    ("account",),
    ("pluso",),
    ("b", "opinion"),
    ("comments",),
    ("article__header",),
)
BOILERPLATE = (
    "ancestor-or-self::*["
    + " or ".join(f"({has_class(*names)})" for names in _BOILERPLATE_BLOCKS)
    + " or @id='comments' or self::header]"
)

# Boilerplate lines printed as ordinary paragraphs, matched on a normalised prefix
# (see charter97._normalise) so punctuation, case and spacing drift do not matter.
BOILERPLATE_LINES = (
    "Follow Charter97.org social media accounts",
    "Follow Charter97.org on social media",
    "PATREON Поддержите сайт «Хартия-97»",
    "PATREON Support Charter97",
    "PATREON Падтрымайце сайт «Хартыя-97»",
    "Написать комментарий",
    "Write a comment",
    "Напісаць каментар",
    "Также следите за аккаунтами Charter97.org в социальных сетях",
    "Таксама сачыце за акаўнтамі Charter97.org у сацыяльных сетках",
)

# Soft-404: a 200 page whose title or h1 says so, with no article on it.
NOT_FOUND = re.compile(
    r"\b404\b|not\s+found|page\s+does\s+not\s+exist|не\s+найден|не\s+существует|не\s+знойдзен",
    re.IGNORECASE,
)

# Listings (feeds are read by crawler.feeds, for every parser).
LISTING_LINKS = "div.news ul li:not(.google_ad) a[href]"
ALL_LINKS = "a[href]"
AD_ITEMS = f"ancestor::*[{has_class('google_ad')}]"
