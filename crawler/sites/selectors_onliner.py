"""Selectors for onliner.by, kept as data (see the end of shared/sites/charter97.md).

[seen]: header classes and listing items, from a third-party scraper. Everything else
(body container, date wording, URL shape) is [inferred] and read tolerantly.
"""

from __future__ import annotations

import re

from crawler.parsing import RUSSIAN_MONTHS, has_class

MAIN_DOMAIN = "onliner.by"
# Sections live on subdomains: people.onliner.by, tech., auto., realt., money. [inferred]
ARTICLE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/([a-z0-9][a-z0-9-]*)/?$")

HEADLINE = ("div.news-header__title h1", "div.news-header__title", "h1")  # [seen] the div
TIME = "div.news-header__time"  # [seen]
AUTHOR = "div.news-header__author"  # [seen]
VIEWS = "div.news-header__button_views"  # [seen] digits with spaces
COMMENTS = "#news-header-comments-counter"  # [seen]
BODY = ("div.news-text > p", "div.news-text p", "article p")  # [inferred]
LEAD = "div.news-text > p:first-child strong"  # [inferred] a bold opener
IMAGE = ("div.news-header__image img::attr(src)", "meta[property='og:image']::attr(content)")
TAGS = "div.news-reference a, div.news-tags a"  # [inferred]
PUBLISHED_META = "meta[property='article:published_time']::attr(content)"

# Blocks inside the text to drop: widgets, "read also", polls, ads. [inferred]
BOILERPLATE = (
    "ancestor-or-self::*["
    + " or ".join(
        f"({has_class(name)})"
        for name in (
            "news-incut",
            "news-widget",
            "news-vote",
            "news-media",
            "news-banner",
            "news-reference",
            "news-text__ad",
        )
    )
    + "]"
)
BOILERPLATE_LINES = re.compile(
    r"^(Наш канал в Telegram|Есть о чем рассказать\? Пишите в наш телеграм-бот|"
    r"Перепечатка текста и фотографий Onliner без разрешения редакции запрещена)",
    re.IGNORECASE,
)

# "7 октября 2025 в 17:05"; the year may be left out for this year's stories. [inferred]
MONTHS = RUSSIAN_MONTHS
DATE = re.compile(
    r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\s*(?:г\.?)?,?\s*(?:в\s*)?(\d{1,2}):(\d{2})", re.IGNORECASE
)

NOT_FOUND = re.compile(r"\b404\b|страница не найдена|not found", re.IGNORECASE)

LISTING_ITEMS = ".news-tidings__item"  # [seen] data-post-date
LISTING_LINKS = ".news-tidings__item a[href]"
