"""onliner.by: URLs, sections as groups, listings and printed dates (fixtures cover articles)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.page import Page
from crawler.sites import parser_class

ONLINER = parser_class("onliner")()
MINSK = ZoneInfo("Europe/Minsk")


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("https://people.onliner.by/2025/10/07/most/", "https://people.onliner.by/2025/10/07/most"),
        (
            "http://TECH.onliner.by/2025/09/30/zarnica-review?utm=x#c",
            "https://tech.onliner.by/2025/09/30/zarnica-review",
        ),
        ("https://m.onliner.by/2025/09/30/x", "https://onliner.by/2025/09/30/x"),
        ("http://127.0.0.1:8080/2025/09/30/x", "http://127.0.0.1:8080/2025/09/30/x"),  # a local copy stays local
        ("https://people.onliner.by/", None),
        ("https://people.onliner.by/tag/transport", None),
        ("https://people.onliner.by/2025/10/07/", None),
        ("mailto:x@onliner.by", None),
        ("http://[::1", None),
    ],
)
def test_canonical_url(url: str, want: str | None) -> None:
    assert ONLINER.canonical_url(url) == want


def test_sections_are_groups() -> None:
    assert ONLINER.group("https://auto.onliner.by/2025/10/07/x") == "auto"
    assert ONLINER.group("https://people.onliner.by/2025/10/07/x") == "people"


def test_listing_links() -> None:
    page = Page.from_text(
        "https://people.onliner.by/",
        """<div class="news-tidings">
      <div class="news-tidings__item" data-post-date="1759845900"><a href="/2025/10/07/most">Мост</a>
        <div class="news-tidings__button_views">12 345</div></div>
      <div class="news-tidings__item" data-post-date="1759840000">
        <a href="https://tech.onliner.by/2025/09/30/zarnica-review">Обзор</a></div>
      <div class="news-tidings__item"><a href="/tag/transport">тег</a></div></div>""",
    )
    assert ONLINER.article_links(page) == [
        "https://people.onliner.by/2025/10/07/most",
        "https://tech.onliner.by/2025/09/30/zarnica-review",
    ]


@pytest.mark.parametrize(
    ("printed", "want"),
    [
        ("7 октября 2025 в 17:05", datetime(2025, 10, 7, 17, 5, tzinfo=MINSK)),
        ("1 марта 2024, 9:30", datetime(2024, 3, 1, 9, 30, tzinfo=MINSK)),
        ("31 февраля 2025 в 10:00", None),
    ],
)
def test_printed_dates(printed: str, want: datetime | None) -> None:
    assert ONLINER.published(printed, None)[0] == want


def test_date_without_a_year_is_this_year() -> None:
    when, raw = ONLINER.published("7 октября в 17:05", None)
    assert (when.month, when.day, when.year, raw) == (10, 7, datetime.now(MINSK).year, "7 октября в 17:05")
