"""Shared parsing helpers: counters, printed dates, element text; never raising on junk."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.items import ArticleItem
from crawler.page import Page
from crawler.parsing import collapse, element_text, parse_count, parse_datetime
from crawler.sites import ParseError, parser_class

MINSK = ZoneInfo("Europe/Minsk")
# No example database: tests must not write into the repository.
QUICK = settings(max_examples=300, database=None, deadline=None)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2,422", 2422),
        ("2 422", 2422),
        ("2\u00a0422", 2422),
        ("2\u202f422", 2422),
        ("15,156", 15156),
        ("2.422", 2422),
        ("1,234,567", 1234567),
        ("987", 987),
        ("0", 0),
        (" 2,422\n", 2422),
        ("2,422 views", 2422),
        ("Просмотров: 2 422", 2422),
        ("12 комментариев", 12),
        ("2.4K", 2400),
        ("2,4k", 2400),
        ("1.2M", 1_200_000),
        ("1,2 тыс.", 1200),
        ("3 млн", 3_000_000),
        ("1.5 thousand", 1500),
        ("", None),
        (None, None),
        ("—", None),
        ("abc", None),
        ("1,2", None),
        ("2,42", None),
        ("9" * 5000, None),
    ],
)
def test_parse_count(text: str | None, want: int | None) -> None:
    assert parse_count(text) == want


@QUICK
@given(st.text())
def test_parse_count_never_raises(text: str) -> None:
    got = parse_count(text)
    assert got is None or isinstance(got, int)
    if got is not None and got < 0:
        assert "-" in text or "\u2212" in text  # only a printed minus reads negative


@given(st.integers(min_value=0, max_value=10**12))
@settings(database=None)
def test_parse_count_reads_grouped_integers(n: int) -> None:
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"{n:,}".replace(",", "\u00a0")) == n


@pytest.mark.parametrize(
    ("text", "want", "raw"),
    [
        ("7.10.2025, 17:05", datetime(2025, 10, 7, 17, 5, tzinfo=MINSK), "7.10.2025, 17:05"),
        ("29.04.2021, 9:05", datetime(2021, 4, 29, 9, 5, tzinfo=MINSK), "29.04.2021, 9:05"),
        ("1- 7.10.2025,  17:05 -", datetime(2025, 10, 7, 17, 5, tzinfo=MINSK), "7.10.2025, 17:05"),
        ("07.10.2025 17:05", datetime(2025, 10, 7, 17, 5, tzinfo=MINSK), "07.10.2025 17:05"),
        ("31.02.2025, 10:00", None, "31.02.2025, 10:00"),  # impossible: raw kept, value None
        ("no date", None, None),
        ("", None, None),
    ],
)
def test_parse_datetime(text: str, want: datetime | None, raw: str | None) -> None:
    assert parse_datetime(text, MINSK) == (want, raw)


def test_parse_datetime_is_aware_in_minsk() -> None:
    published, _ = parse_datetime("7.10.2025, 17:05", MINSK)
    assert published is not None
    assert published.utcoffset().total_seconds() == 3 * 3600


@QUICK
@given(st.text())
def test_parse_datetime_never_raises(text: str) -> None:
    parse_datetime(text, MINSK)


def test_collapse_and_element_text() -> None:
    assert collapse(" a\u00a0\u00a0b\n\tc\u202f") == "a b c"
    p = Selector(text="<p>One<br>two <b>three</b><!-- x --><script>x()</script> four</p>").css("p")[0]
    assert element_text(p) == "One two three four"


@settings(max_examples=150, database=None, deadline=None)
@given(st.binary(max_size=4096) | st.text(max_size=2048).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_charter97_parse_article_only_raises_parse_error(body: bytes) -> None:
    page = Page(url="https://charter97.org/en/news/2025/10/7/1/", body=body, headers={"content-type": "text/html"})
    try:
        item = parser_class("charter97")().parse_article(page)
    except ParseError:
        return
    assert isinstance(item, ArticleItem)
