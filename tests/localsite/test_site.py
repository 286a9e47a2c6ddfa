"""Tests of the synthetic local site: markup, volatility, edits, deletions, faults, feeds."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from localsite import LocalSite, SiteArticle, default_articles, make_articles
from localsite.pages import FOLLOW_LINE, PATREON_LINE, WRITE_COMMENT_LINE

pytestmark = pytest.mark.timeout(30)

BOILERPLATE = {*FOLLOW_LINE.values(), PATREON_LINE, WRITE_COMMENT_LINE}


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    complete: bool = True

    @property
    def sel(self) -> Selector:
        return Selector(text=self.body.decode("utf-8"))


def fetch(url: str, timeout: float = 5.0) -> Fetched:
    """GET without following redirects; a short body is returned, not raised."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/")
        response = conn.getresponse()
        try:
            return Fetched(response.status, response.headers, response.read())
        except http.client.IncompleteRead as exc:
            return Fetched(response.status, response.headers, exc.partial, complete=False)
    finally:
        conn.close()


@pytest.fixture
def site():
    with LocalSite() as s:
        yield s


def texts(sel: Selector, css: str) -> list[str]:
    return [" ".join("".join(node.css("::text").getall()).split()) for node in sel.css(css)]


def article_text(sel: Selector) -> list[str]:
    return texts(sel, "article.article h1") + texts(sel, "article.article > p")


def listing_ids(site: LocalSite, path: str) -> list[int]:
    return [
        int(x) for x in fetch(site.base_url + path).sel.css("div.news.news_latest li[data-ai]::attr(data-ai)").getall()
    ]


# --- article page -------------------------------------------------------------------


def test_article_page_has_the_charter97_markup(site):
    article = site.get(700101)
    page = fetch(site.url(700101))
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    sel = page.sel
    assert sel.css("meta[charset]::attr(charset)").get() == "utf-8"
    assert sel.css('meta[property="og:title"]::attr(content)').get() == article.headline
    root = sel.css("div.l-main article.article")
    assert root.css("header.article__header h1::text").get() == article.headline
    assert root.css("a.news__counter::text").get() == "1"
    assert root.css("ul.article__info li::text").get() == "6.10.2025, 09:40"
    assert root.css("span.news__views::text").get() == "2,422"
    assert root.css("figure.article__photo img::attr(src)").get() == "/images/700101.jpg"
    assert root.css("p.lead::text").get() == article.lead
    paragraphs = texts(root, ":scope > p:not(.lead)")
    assert [p for p in paragraphs if p not in BOILERPLATE] == article.body
    assert BOILERPLATE & set(paragraphs) == {FOLLOW_LINE["en"], PATREON_LINE, WRITE_COMMENT_LINE}
    assert root.css("div.social") and root.css("div.comments#comments .comment")


def test_article_page_edge_values(site):
    ru = fetch(site.url(700108)).sel
    assert ru.css("ul.article__info li::text").get() == "7.10.2025, 08:03"
    assert ru.css("span.news__views::text").get() == "987"
    assert FOLLOW_LINE["ru"] in texts(ru, "article.article > p")
    no_comments = fetch(site.url(700104)).sel
    assert no_comments.css("a.news__counter::text").get() is None
    assert no_comments.css("a.news__counter")
    big = fetch(site.url(700107)).sel
    assert big.css("span.news__views::text").get() == "15,156"
    assert big.css("iframe::attr(src)").get().startswith("https://www.youtube.com/embed/")


def test_text_is_escaped(site):
    site.add(
        SiteArticle(
            id=1,
            lang="en",
            date=datetime(2025, 1, 2, 3, 4),
            headline="<script>x</script> & co",
            lead="a < b",
            body=["<b>not bold</b>"],
        )
    )
    page = fetch(site.url(1))
    assert b"<script>x</script>" not in page.body
    assert page.sel.css("h1::text").get() == "<script>x</script> & co"
    assert page.sel.css("article.article > p:not(.lead)::text").get() == "<b>not bold</b>"


def test_volatile_parts_change_on_every_request_but_not_the_article(site):
    first, second = fetch(site.url(700102)).sel, fetch(site.url(700102)).sel
    assert texts(first, "span.header__date") != texts(second, "span.header__date")
    assert first.css("li.google_ad").getall() != second.css("li.google_ad").getall()
    assert article_text(first) == article_text(second)


def test_get_does_not_raise_views_but_set_views_does(site):
    for _ in range(3):
        assert fetch(site.url(700102)).sel.css("span.news__views::text").get() == "3,310"
    site.set_views(700102, 1234567)
    site.set_comments(700102, 0)
    sel = fetch(site.url(700102)).sel
    assert sel.css("span.news__views::text").get() == "1,234,567"
    assert sel.css("a.news__counter::text").get() is None
    assert site.get(700102).views == 1234567


def test_comments_block_follows_the_count(site):
    before = texts(fetch(site.url(700105)).sel, "div.comments")
    site.set_comments(700105, 28)
    after = texts(fetch(site.url(700105)).sel, "div.comments")
    assert before != after


def test_edit_changes_the_page(site):
    site.edit(700101, headline="Edited headline", body=["Only one paragraph now."])
    sel = fetch(site.url(700101)).sel
    assert sel.css("h1::text").get() == "Edited headline"
    assert [p for p in texts(sel, "article.article > p:not(.lead)") if p not in BOILERPLATE] == [
        "Only one paragraph now."
    ]
    old_url = site.url(700101)
    site.edit(700101, date=datetime(2025, 9, 30, 23, 59))
    assert site.url(700101) == old_url  # back-dating keeps the URL minted at publication
    assert fetch(old_url).sel.css("h1::text").get() == "Edited headline"
    assert fetch(site.url(700101)).sel.css("ul.article__info li::text").get() == "30.09.2025, 23:59"
    with pytest.raises(TypeError):
        site.edit(700101, nonsense=1)
    with pytest.raises(ValueError):
        site.edit(700101, id=5)


def test_url_without_slash_redirects_permanently(site):
    url = site.url(700101)
    page = fetch(url.rstrip("/"))
    assert page.status == 301
    assert page.headers["Location"] == url


def test_unknown_pages_and_wrong_edition_are_404(site):
    for path in ("/nope/", "/en/news/2025/10/6/999/", "/ru/news/2025/10/6/700101/", "/ru/rss/politics/"):
        page = fetch(site.base_url + path)
        assert page.status == 404, path
        assert page.sel.css("header.header") and not page.sel.css("article.article")


# --- deletions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "status", "location"),
    [
        ("404", 404, None),
        ("410", 410, None),
        ("redirect_home", 302, "/"),
        ("redirect_section", 302, "/en/news/"),
        ("soft404", 200, None),
    ],
)
def test_delete_modes(site, how, status, location):
    url = site.url(700101)
    site.delete(700101, how)
    page = fetch(url)
    assert page.status == status
    assert page.headers.get("Location") == (site.base_url + location if location else None)
    if status != 302:
        assert not page.sel.css("article.article")
        assert page.sel.css("div.error-404")
    assert 700101 not in listing_ids(site, "/en/news/")
    assert url.encode() not in fetch(site.feed_urls("en")[0]).body
    site.restore(700101)
    assert fetch(url).status == 200
    assert 700101 in listing_ids(site, "/en/news/")


def test_delete_redirect_to_another_article(site):
    site.delete(700101, "redirect_article", to=700104)
    page = fetch(site.base_url + "/en/news/2025/10/6/700101/")
    assert (page.status, page.headers["Location"]) == (302, site.url(700104))
    with pytest.raises(ValueError):
        site.delete(700101, "moved")


# --- faults -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "502", "503", "408"])
def test_error_faults(site, kind):
    site.fault(700101, kind)
    assert fetch(site.url(700101)).status == int(kind)
    assert fetch(site.url(700102)).status == 200


def test_429_has_retry_after(site):
    site.fault(700101, "429")
    page = fetch(site.url(700101))
    assert page.status == 429
    assert int(page.headers["Retry-After"]) >= 0


def test_challenge_fault(site):
    site.fault(700101, "challenge")
    page = fetch(site.url(700101))
    assert page.status == 403
    assert page.headers["cf-mitigated"] == "challenge"
    assert b"<title>Just a moment...</title>" in page.body


@pytest.mark.parametrize("kind", ["captcha", "noparse"])
def test_pages_without_an_article(site, kind):
    site.fault(700101, kind)
    page = fetch(site.url(700101))
    assert page.status == 200
    assert page.sel.css("header.header span.header__date")
    assert not page.sel.css("article.article, h1, p.lead")
    assert bool(page.sel.css("form input[name=captcha_code]")) == (kind == "captcha")
    assert not page.sel.css("div.error-404")


def test_truncated_fault_sends_half_the_announced_body(site):
    site.fault(700101, "truncated")
    page = fetch(site.url(700101))
    assert page.status == 200
    assert not page.complete
    assert 0 < len(page.body) < int(page.headers["Content-Length"])


def test_empty_and_garbage_faults(site):
    site.fault(700101, "empty")
    site.fault(700102, "garbage")
    empty, garbage = fetch(site.url(700101)), fetch(site.url(700102))
    assert (empty.status, empty.body) == (200, b"")
    assert garbage.status == 200 and len(garbage.body) > 1000
    with pytest.raises(UnicodeDecodeError):
        garbage.body.decode("utf-8")


def test_reset_fault_drops_the_connection(site):
    site.fault(700101, "reset", times=1)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        fetch(site.url(700101))
    assert fetch(site.url(700101)).status == 200


def test_cp1251_fault(site):
    site.fault(700102, "cp1251")
    page = fetch(site.url(700102))
    assert page.headers["Content-Type"] == "text/html; charset=windows-1251"
    assert site.get(700102).headline.encode("cp1251") in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    sel = Selector(text=page.body.decode("cp1251"))
    assert sel.css("h1::text").get() == site.get(700102).headline
    assert sel.css("meta[charset]::attr(charset)").get() == "windows-1251"


def test_times_clears_the_fault_and_kind_none_clears_it(site):
    site.fault(700101, "503", times=2)
    assert [fetch(site.url(700101)).status for _ in range(3)] == [503, 503, 200]
    site.fault("/en/news/", "500")
    assert fetch(site.start_urls("en")[0]).status == 500
    site.fault("/en/news/", None)
    assert fetch(site.start_urls("en")[0]).status == 200


def test_site_wide_fault_and_precedence(site):
    site.fault(None, "502")
    site.fault(700101, "429")
    assert fetch(site.base_url + "/").status == 502
    assert fetch(site.feed_urls()[0]).status == 502
    assert fetch(site.url(700101)).status == 429
    site.fault(None, None)
    assert fetch(site.base_url + "/").status == 200
    with pytest.raises(ValueError):
        site.fault(None, "explode")


def test_timeout_fault_and_prompt_stop():
    site = LocalSite().start()
    try:
        site.fault(700101, "timeout")
        with pytest.raises(TimeoutError):
            fetch(site.url(700101), timeout=0.3)
        outcome: list[object] = []

        def slow_client() -> None:
            try:
                outcome.append(fetch(site.url(700101), timeout=10))
            except (OSError, http.client.HTTPException) as exc:
                outcome.append(exc)

        client = threading.Thread(target=slow_client)
        client.start()
        deadline = time.monotonic() + 5
        while site.hits[site.get(700101).path] < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # let the handler reach its sleep
    finally:
        started = time.monotonic()
        site.stop()
        elapsed = time.monotonic() - started
    client.join(5)
    assert elapsed < 2
    assert not client.is_alive()
    assert len(outcome) == 1 and not isinstance(outcome[0], Fetched)


def test_slow_fault_answers_late_but_normally(site):
    site.slow_delay = 0.2
    site.fault(700101, "slow", times=1)
    started = time.monotonic()
    page = fetch(site.url(700101))
    assert page.status == 200 and page.sel.css("h1")
    assert time.monotonic() - started >= 0.2


def test_latency_holds_every_answer(site):
    site.latency = 0.3
    for url in (site.url(700101), site.base_url + "/en/news/"):
        started = time.monotonic()
        page = fetch(url)
        assert page.status == 200 and time.monotonic() - started >= 0.3
    site.latency = 0.0
    started = time.monotonic()
    fetch(site.url(700101))
    assert time.monotonic() - started < 0.3


def test_hits_are_counted_per_path(site):
    path = site.get(700101).path
    site.fault(700101, "500", times=1)
    fetch(site.url(700101))
    fetch(site.url(700101))
    assert site.hits[path] == 2


# --- listings and feeds -------------------------------------------------------------


def test_listings_paginate_newest_first():
    with LocalSite(listing_page_size=2) as site:
        assert listing_ids(site, "/en/news/") == [700107, 700104]
        assert listing_ids(site, "/en/news/p/2/") == [700101]
        assert fetch(site.base_url + "/en/news/p/3/").status == 404
        assert listing_ids(site, "/ru/news/") == [700108, 700105]
        sel = fetch(site.base_url + "/en/news/").sel
        assert sel.css("div.pager a.pager__next::attr(href)").get() == "/en/news/p/2/"
        item = sel.css("div.news.news_latest li[data-ai='700107']")
        assert item.css("a::attr(href)").get() == "/en/news/2025/10/7/700107/"
        assert item.css("span.news__time::text").get() == "17:05"
        assert item.css("a.news__counter::text").get() == "12"
        assert not sel.css("li[data-ai='700104'] a.news__counter")


def test_listing_has_ads_and_home_lists_every_edition():
    articles = make_articles(12, seed=1)
    with LocalSite(articles) as site:
        sel = fetch(site.base_url + "/").sel
        ids = [int(x) for x in sel.css("li[data-ai]::attr(data-ai)").getall()]
        assert ids == sorted((a.id for a in articles), reverse=True)
        assert {a.lang for a in articles} == {"en", "ru"}
        assert sel.css("div.news.news_latest li.google_ad")
        assert fetch(site.base_url + "/en/news").headers["Location"] == site.start_urls("en")[0]


def test_rss_feeds_have_absolute_links(site):
    page = fetch(site.feed_urls("ru")[0])
    assert page.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = Selector(text=page.body.decode("utf-8"), type="xml")
    links = feed.xpath("//item/link/text()").getall()
    assert links == [site.url(i) for i in (700108, 700105, 700102)]
    assert feed.xpath("//item[1]/pubDate/text()").get() == "Tue, 07 Oct 2025 08:03:00 +0300"
    assert site.feed_urls() == [site.base_url + "/ru/rss/all/", site.base_url + "/en/rss/all/"]


# --- generated content and size -----------------------------------------------------


def test_make_articles_is_deterministic_and_ordered():
    first, again = make_articles(200, seed=3), make_articles(200, seed=3)
    assert first == again
    assert len({a.id for a in first}) == 200
    assert [a.date for a in first] == sorted(a.date for a in first)
    assert all(a.body and a.headline and a.lang in ("en", "ru") for a in first)
    assert make_articles(5, seed=4) != make_articles(5, seed=3)


def test_default_articles_cover_the_edge_values():
    articles = default_articles()
    assert {a.lang for a in articles} == {"en", "ru"}
    assert min(a.views for a in articles) < 1000 <= 10000 <= max(a.views for a in articles)
    assert any(a.comments == 0 for a in articles) and any(a.video for a in articles)


def test_pad_kb_brings_pages_near_the_size():
    with LocalSite(pad_kb=130) as site:
        for url in (site.url(700101), site.start_urls()[1], site.base_url + "/nope/"):
            assert 125 * 1024 < len(fetch(url).body) < 136 * 1024, url
        assert texts(fetch(site.url(700101)).sel, "article.article h1") == [site.get(700101).headline]
