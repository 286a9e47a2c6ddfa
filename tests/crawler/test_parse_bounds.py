"""Parse cost is bounded per page: a huge page is a quick, recorded parse failure, not a stall."""

from __future__ import annotations

import time

import pytest

from changes import Outcome, classify_fetch, classify_parse
from crawler.page import Page
from crawler.sites import ParseError, parser_class

URL = "https://charter97.org/ru/news/2025/10/7/1/"
PARAGRAPH = "<p>" + "Синтетический абзац для проверки. " * 20 + "</p>\n"


def page_of(megabytes: float) -> Page:
    count = int(megabytes * 1e6 / len(PARAGRAPH.encode()))
    html = (
        f"<html><head><meta charset='utf-8'><title>Big</title></head><body><article><h1>Big page</h1>"
        f"{PARAGRAPH * count}</article></body></html>"
    )
    return Page(url=URL, body=html.encode())


@pytest.fixture(scope="module")
def huge() -> Page:
    return page_of(30)


@pytest.mark.parametrize("name", ["generic", "charter97"])
def test_a_30_mb_page_fails_fast_with_a_reason(huge: Page, name: str) -> None:
    parser = parser_class(name)()
    started = time.process_time()
    with pytest.raises(ParseError, match="too large to parse"):
        parser.parse_article(huge)
    assert time.process_time() - started < 1.0
    verdict = classify_parse(
        classify_fetch(status=200, error=None, headers={}, body=huge.body, url=URL, final_url=None),
        parsed=False,
        not_found=False,
        parse_error="page too large to parse",
    )
    assert verdict.outcome is Outcome.TRANSIENT and "too large" in verdict.reason


@pytest.mark.parametrize("name", ["generic", "charter97"])
def test_the_bound_is_above_real_pages(name: str) -> None:
    parser = parser_class(name)()
    assert parser.max_page_bytes >= 1_500_000  # real article pages are rarely over 1 MB
