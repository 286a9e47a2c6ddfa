"""Site parsers against saved fixture pages, plus unit tests of URLs, links and odd input."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler import discovery
from crawler.page import Page
from crawler.parsing import is_noise_line
from crawler.sites import PageNotFound, ParseError, available, parser_class, versions_of

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sites"
FIXTURE_DIRS = sorted(meta.parent for meta in FIXTURES.glob("*/*/meta.json"))
# Keys of expected.json that are checks rather than ArticleItem fields.
BODY_CHECKS = {"body_count", "body_snippets", "body_absent"}


def load_fixture(folder: Path) -> tuple[dict, Page, dict]:
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    page_file = next(folder.glob("page*.html"))
    page = Page(
        url=meta["url"],
        body=page_file.read_bytes(),
        status=meta.get("status", 200),
        # A saved page carries the headers it was served with; by default the page's
        # own <meta> charset decides, as it would for a capture without one.
        headers=meta.get("headers", {"content-type": "text/html"}),
    )
    return meta, page, json.loads((folder / "expected.json").read_text("utf-8"))


def fixture_class(meta: dict) -> type:
    """The parser version a fixture is for: ``"parser": "name/version"``, or the version
    valid on its ``"captured"`` day, or the one valid today."""
    captured = meta.get("captured")
    return parser_class(meta["parser"], date.fromisoformat(captured) if captured else None)


def fixture_parser(meta: dict) -> object:
    """The fixture's parser, with the options its meta.json gives (time zone, selectors)."""
    options = dict(meta.get("options", {}))
    zone = options.pop("timezone", None)
    return fixture_class(meta)(ZoneInfo(zone) if zone else None, **options)


def mismatches(item: object, expected: dict) -> dict[str, tuple[object, object]]:
    """Field -> (expected, got) for every expectation the item does not meet."""
    found: dict[str, tuple[object, object]] = {}
    body = list(getattr(item, "body", ()))
    joined = "\n".join(body)
    for key, want in expected.items():
        if key == "body_count":
            got: object = len(body)
        elif key == "body_snippets":
            got = [s for s in want if s in joined]
        elif key == "body_absent":
            got, want = [s for s in want if s in joined], []
        else:
            got = getattr(item, key)
            if isinstance(got, datetime):
                got = got.isoformat()
            elif isinstance(got, tuple):
                got = list(got)
        if got != want:
            found[key] = (want, got)
    return found


@pytest.mark.parametrize("folder", FIXTURE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(folder: Path) -> None:
    meta, page, expected = load_fixture(folder)
    if "synthetic" in next(folder.glob("page*.html")).name:  # say so inside the page too
        assert "synthetic" in page.text[:300].lower()
    parser = fixture_parser(meta)
    if "error" in expected:
        with pytest.raises(ParseError) as info:
            parser.parse_article(page)
        assert type(info.value).__name__ == expected["error"]
        if "message" in expected:
            assert str(info.value) == expected["message"]
        return
    item = parser.parse_article(page)
    assert mismatches(item, expected) == {}


def test_every_parser_has_a_fixture() -> None:
    assert {folder.parent.name for folder in FIXTURE_DIRS} >= set(available())


def test_every_parser_version_has_a_fixture() -> None:
    """A fixed parser is a new version: it comes with a page it reads."""
    covered = {fixture_class(json.loads((folder / "meta.json").read_text("utf-8"))) for folder in FIXTURE_DIRS}
    missing = [f"{cls.name}/{cls.version}" for name in available() for cls in versions_of(name) if cls not in covered]
    assert missing == []


# -- charter97: URLs -----------------------------------------------------------------

C97 = parser_class("charter97")()
GENERIC = parser_class("generic")()
ARTICLE = "https://charter97.org/en/news/2025/10/7/123/"


@pytest.mark.parametrize(
    ("url", "want"),
    [
        (ARTICLE, ARTICLE),
        ("https://charter97.org/en/news/2025/10/7/123", ARTICLE),
        ("http://www.charter97.org/en/news/2025/10/7/123/", ARTICLE),
        ("https://m.charter97.org/en/news/2025/10/7/123/", ARTICLE),
        ("https://charter97.link/en/news/2025/10/7/123/", ARTICLE),
        ("https://a1b2c3.c97.org/en/news/2025/10/7/123/", ARTICLE),
        ("https://CHARTER97.ORG/en/news/2025/10/07/123/", ARTICLE),
        ("https://charter97.org/en/news/2025/10/7/123/#comments", ARTICLE),
        ("https://charter97.org/en/news/2025/10/7/123/?utm_source=x#top", ARTICLE),
        ("  https://charter97.org/en/news/2025/10/7/123/\n", ARTICLE),
        ("https://charter97.org/ru/news/2025/3/4/631957/", "https://charter97.org/ru/news/2025/3/4/631957/"),
        ("https://charter97.org/be/news/2025/03/04/631957", "https://charter97.org/be/news/2025/3/4/631957/"),
        # A local copy stays local: the spider must fetch from where the start URLs point.
        ("http://127.0.0.1:8123/en/news/2025/10/7/123", "http://127.0.0.1:8123/en/news/2025/10/7/123/"),
        ("http://localhost/en/news/2025/10/7/123/", "http://localhost/en/news/2025/10/7/123/"),
        ("https://evil-c97.org/en/news/2025/10/7/123/", "https://evil-c97.org/en/news/2025/10/7/123/"),
    ],
)
def test_canonical_url(url: str, want: str) -> None:
    assert C97.canonical_url(url) == want


@pytest.mark.parametrize(
    "url",
    [
        "https://charter97.org/",
        "https://charter97.org/en/",
        "https://charter97.org/en/news/",
        "https://charter97.org/ru/news/p/2/",
        "https://charter97.org/ru/rss/all/",
        "https://charter97.org/de/news/2025/10/7/123/",
        "https://charter97.org/en/news/2025/13/7/123/",
        "https://charter97.org/en/news/2025/10/7/123/print/",
        "ftp://charter97.org/en/news/2025/10/7/1/",
        "/en/news/2025/10/7/123/",
        "mailto:x@charter97.org",
        "http://[::1",
        "http://host:99999/en/news/2025/1/1/1/",
        "",
    ],
)
def test_canonical_url_rejects_non_articles(url: str) -> None:
    assert C97.canonical_url(url) is None


def test_listing_pages() -> None:
    assert C97.listing_pages("https://charter97.org/ru/news/", 3) == [
        "https://charter97.org/ru/news/",
        "https://charter97.org/ru/news/p/2/",
        "https://charter97.org/ru/news/p/3/",
    ]
    assert C97.listing_pages("http://127.0.0.1:9/en/news/p/4/", 2) == [
        "http://127.0.0.1:9/en/news/p/4/",
        "http://127.0.0.1:9/en/news/p/5/",
    ]
    assert C97.listing_pages("https://charter97.org/ru/news/", 1) == ["https://charter97.org/ru/news/"]
    for url in ("https://charter97.org/ru/rss/all/", "https://charter97.org/", ARTICLE):
        assert C97.listing_pages(url, 5) == [url]


# -- charter97: links from listings and feeds -------------------------------------------------

LISTING = """<html><body><div class="news news_latest"><ul>
  <li data-ai="631957"><a href="/ru/news/2025/3/4/631957/"><strong class="news__title">A</strong></a>
    <a href="/ru/news/2025/3/4/631957/#comments" class="news__counter">12</a></li>
  <li class="google_ad"><a href="/ru/news/2025/3/4/1/">ad</a></li>
  <li><a href="https://m.charter97.org/ru/news/2025/3/3/631900">B</a></li>
  <li><a href="/ru/news/p/2/">next</a></li>
  <li><a href="http://[broken/ru/news/2025/3/3/1/">broken</a></li>
  <li><a href="/ru/news/2025/03/02/631800/?from=list">C</a></li>
</ul></div><a href="/ru/news/2025/1/1/1/">outside the listing</a></body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Хартия-97</title><link>https://charter97.org/</link>
<item><title>A</title><link>https://charter97.org/ru/news/2025/3/4/631957/</link></item>
<item><title>B</title><link>
  https://charter97.org/ru/news/2025/3/3/631900/?utm_source=rss
</link></item>
<item><title>A again</title><link>https://charter97.org/ru/news/2025/3/4/631957/</link></item>
</channel></rss>"""


def test_article_links_from_listing() -> None:
    page = Page.from_text("http://127.0.0.1:8000/ru/news/", LISTING)
    assert C97.article_links(page) == [
        "http://127.0.0.1:8000/ru/news/2025/3/4/631957/",
        "https://charter97.org/ru/news/2025/3/3/631900/",
        "http://127.0.0.1:8000/ru/news/2025/3/2/631800/",
    ]


def test_article_links_from_home_page_without_listing_markup() -> None:
    page = Page.from_text(
        "https://charter97.org/",
        """<main>
      <a href="/en/news/2025/10/7/2/">x</a><a href="/en/">home</a>
      <div class="google_ad"><a href="/en/news/2025/10/7/3/">ad</a></div>
      <a href="/ru/news/2025/10/7/1/#comments">y</a></main>""",
    )
    assert C97.article_links(page) == [
        "https://charter97.org/en/news/2025/10/7/2/",
        "https://charter97.org/ru/news/2025/10/7/1/",
    ]


@pytest.mark.parametrize("content_type", ["application/rss+xml; charset=utf-8", "text/html", ""])
def test_article_links_from_rss(content_type: str) -> None:
    page = Page(
        url="https://charter97.org/ru/rss/all/",
        body=RSS.encode(),
        headers={"content-type": content_type} if content_type else {},
    )
    assert discovery.article_links(C97, page) == [
        "https://charter97.org/ru/news/2025/3/4/631957/",
        "https://charter97.org/ru/news/2025/3/3/631900/",
    ]
    # Feeds are read for every parser, not by the charter97 one.
    assert discovery.article_links(GENERIC, page) == [
        "https://charter97.org/ru/news/2025/3/4/631957/",
        "https://charter97.org/ru/news/2025/3/3/631900/?utm_source=rss",
    ]


def test_article_links_from_cp1251_rss_and_atom() -> None:
    rss = RSS.replace("utf-8", "windows-1251").encode("cp1251")
    page = Page(url="https://charter97.org/ru/rss/all/", body=rss, headers={"content-type": "text/xml"})
    assert discovery.article_links(C97, page)[0] == "https://charter97.org/ru/news/2025/3/4/631957/"
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b'<link rel="alternate" href="/en/news/2025/1/2/3/"/></entry></feed>'
    )
    page = Page(url="https://charter97.org/en/rss/all/", body=atom)
    assert discovery.article_links(C97, page) == ["https://charter97.org/en/news/2025/1/2/3/"]
    rdf = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns="http://purl.org/rss/1.0/"><item><link>https://charter97.org/be/news/2025/1/2/4/</link>'
        b"</item></rdf:RDF>"
    )
    page = Page(url="https://charter97.org/be/rss/", body=rdf)
    assert discovery.article_links(GENERIC, page) == ["https://charter97.org/be/news/2025/1/2/4/"]


def test_article_links_from_broken_feed_is_empty() -> None:
    page = Page(
        url="https://charter97.org/ru/rss/all/",
        body=b"<?xml version='1.0'?><rss><item><link>",
        headers={"content-type": "text/xml"},
    )
    assert discovery.article_links(C97, page) == []


# -- charter97: encodings and odd input -------------------------------------------------------

CP1251_PAGE = """<html><head><title>Хартия</title></head><body><div class="l-main"><article class="article">
<header class="article__header"><h1>Заголовок новости по-русски</h1>
<ul class="article__info"><li>7.10.2025, 17:05</li></ul></header>
<p class="lead">Лид статьи о событиях в Беларуси, написанный кириллицей.</p>
<p>Первый абзац текста новости, достаточно длинный для распознавания кодировки.</p>
</article></div></body></html>"""


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/html"},  # nothing declared: detection
        {"content-type": "text/html; charset=windows-1251"},  # declared in the header only
        {},
    ],
)
def test_cp1251_bytes(headers: dict[str, str]) -> None:
    page = Page(url=ARTICLE, body=CP1251_PAGE.encode("cp1251"), headers=headers)
    item = C97.parse_article(page)
    assert item.headline == "Заголовок новости по-русски"
    assert item.body == ("Первый абзац текста новости, достаточно длинный для распознавания кодировки.",)


GARBAGE = [
    b"",
    b"   ",
    b"\x00" * 1000,
    bytes(range(256)) * 40,
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10,
    b'{"json": true}',
    b"<html><body><p>No article here.</p></body></html>",
    b"<?xml version='1.0'?><rss><channel></channel></rss>",
    "<html><body><article class='article'><h1>Ñ\x00ó</h1></article>".encode("utf-16"),
    b"<" * 100_000,
    b"<div>" * 50_000,
]


@pytest.mark.parametrize("name", available())
@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_a_parse_error(name: str, body: bytes) -> None:
    with pytest.raises(ParseError):
        page = Page(url=ARTICLE, body=body, headers={"content-type": "text/html"})
        parser_class(name)().parse_article(page)


@pytest.mark.parametrize("name", available())
@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_listing_has_no_links(name: str, body: bytes) -> None:
    page = Page(url="https://charter97.org/ru/news/", body=body, headers={"content-type": "text/html"})
    assert parser_class(name)().article_links(page) == []


def test_huge_page_parses() -> None:
    paragraphs = "".join(f"<p>Paragraph {i} of a very long article.</p>" for i in range(30_000))
    html = (
        f"<article class='article'><h1>Long</h1><ul class='article__info'><li>7.10.2025, 17:05</li></ul>"
        f"{paragraphs}</article>"
    )
    item = C97.parse_article(Page.from_text(ARTICLE, html))
    assert len(item.body) == 30_000
    assert item.body[-1] == "Paragraph 29999 of a very long article."


def test_http_404_status_is_page_not_found() -> None:
    with pytest.raises(PageNotFound):
        C97.parse_article(Page.from_text(ARTICLE, "<h1>Oops</h1>", status=404))


def test_article_about_a_404_is_still_an_article() -> None:
    html = (
        "<title>Error 404</title><article class='article'><h1>Site shows 404 not found to users</h1>"
        "<ul class='article__info'><li>7.10.2025, 17:05</li></ul><p>Text.</p></article>"
    )
    assert C97.parse_article(Page.from_text(ARTICLE, html)).headline == "Site shows 404 not found to users"


def test_no_body_is_a_parse_error() -> None:
    html = "<article class='article'><h1>Only a headline</h1><p class='social'>x</p></article>"
    with pytest.raises(ParseError, match="no body"):
        C97.parse_article(Page.from_text(ARTICLE, html))


def test_registry_settings() -> None:
    assert C97.name == "charter97"
    assert C97.version == "1"
    assert C97.timezone == ZoneInfo("Europe/Minsk")
    assert parser_class("charter97")(ZoneInfo("Europe/Warsaw")).timezone == ZoneInfo("Europe/Warsaw")


def test_timezone_override_applies_to_published() -> None:
    html = (
        "<article class='article'><h1>H</h1><ul class='article__info'><li>7.10.2025, 17:05</li></ul>"
        "<p>Text.</p></article>"
    )
    item = parser_class("charter97")(ZoneInfo("Europe/Warsaw")).parse_article(Page.from_text(ARTICLE, html))
    assert item.published == datetime(2025, 10, 7, 17, 5, tzinfo=ZoneInfo("Europe/Warsaw"))
    assert item.published.utcoffset().total_seconds() == 2 * 3600


# -- generic ---------------------------------------------------------------------------


def test_generic_canonical_url_and_links() -> None:
    assert GENERIC.canonical_url("https://Example.org/a/b?x=1#frag") == "https://example.org/a/b?x=1"
    assert GENERIC.canonical_url("https://example.org") == "https://example.org/"
    assert GENERIC.canonical_url("mailto:a@b.c") is None
    page = Page.from_text(
        "https://example.org/news/",
        """
        <a href="/news/2025/10/7/flood">1</a><a href="https://other.org/news/12345">2</a>
        <a href="/news/2025/10/7/flood#c">1 again</a><a href="/news/">self</a><a href="/news/page/2/">2</a>
        <a href="javascript:void(0)">js</a><a href="98765">3</a><a href="/tags/politics/">tag</a>
        <a href="/world/river-flooding-forces-evacuations/">slug</a><a href="/about.html">page</a>""",
    )
    assert GENERIC.article_links(page) == [
        "https://example.org/news/2025/10/7/flood",
        "https://example.org/news/98765",
        "https://example.org/world/river-flooding-forces-evacuations/",
        "https://example.org/about.html",
    ]
    # A site's own rule replaces the guess.
    ruled = parser_class("generic")(article_urls=r"/news/(page|\d{4})/")
    assert ruled.article_links(page) == ["https://example.org/news/2025/10/7/flood", "https://example.org/news/page/2/"]


@pytest.mark.parametrize(
    ("line", "noise"),
    [
        ("12", True),
        ("- 4.03.2025, 17:05", True),
        ("- 15 156", True),
        ("2,422 views", True),
        ("Share on Facebook", True),
        ("Telegram Facebook X", True),
        ("Updated: 7 October 2025, 17:05", True),
        ("15 156 просмотров", True),
        ("Поделиться", True),
        ("The next session is scheduled.", False),
        ("Read more", False),
        ("Views differ.", False),
        ("Comments on the vote were sharp, the mayor said.", False),
    ],
)
def test_noise_lines(line: str, noise: bool) -> None:
    assert is_noise_line(line) is noise


def test_expectations_are_the_parsers_unless_the_site_overrides_them() -> None:
    item = GENERIC.parse_article(load_fixture(FIXTURES / "generic" / "charter97-shaped")[1])
    assert (GENERIC.expects, GENERIC.missing_fields(item)) == (("headline", "body"), ())
    assert C97.expects == ("headline", "published", "views")
    strict = parser_class("generic")(expects=["headline", "views", "author"])
    assert strict.missing_fields(item) == ("views", "author")
    with pytest.raises(ValueError, match="unknown fields"):
        parser_class("generic")(expects=["headline", "colour"])


def test_generic_uses_link_rel_canonical() -> None:
    folder = next(FIXTURES.glob("generic/*"))
    _, page, _ = load_fixture(folder)
    html = page.text.replace("<head>", '<head><link rel="canonical" href="/canonical/story">')
    item = GENERIC.parse_article(Page.from_text("https://example.org/story?utm=1", html))
    assert item.url == "https://example.org/canonical/story"
