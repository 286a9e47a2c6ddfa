"""Atom feeds read by feedparser, full-text search across versions, the token cookie."""

from __future__ import annotations

import feedparser
import pytest
from starlette.testclient import TestClient

from review import create_app
from review.app import TOKEN_COOKIE
from tests.support.review import EDITED, GONE, XSS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(crawled):
    with TestClient(
        create_app(crawled.store, base_url="https://review.example/archive"), base_url="http://127.0.0.1"
    ) as c:
        yield c


def test_overall_feed_parses_and_carries_the_diff(client, crawled):
    response = client.get("/feed.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    edited = [e for e in feed.entries if e.title.startswith("Edited") and "Cancels" in e.title]
    assert edited, [e.title for e in feed.entries]
    entry = edited[-1]  # the oldest of them: v1 → v2
    assert entry.link.startswith(f"https://review.example/archive/articles/{crawled.ids[EDITED]}/diff?")
    html = entry.content[0].value
    assert "<del>Postpones" in html or "<del>City Council of Zarechensk Postpones" in html
    assert "<ins>" in html and "Open the diff" in html
    assert "<script" not in html  # nh3 and escaping: the payload article stays text
    assert any(e.title.startswith("Deleted") for e in feed.entries)
    assert any(e.title.startswith("Restored") for e in feed.entries)


def test_site_feed_and_unknown_site(client):
    feed = feedparser.parse(client.get("/sites/c97/feed.atom").content)
    assert not feed.bozo and feed.entries
    assert client.get("/sites/nope/feed.atom").status_code == 404


def test_entries_are_capped(client, monkeypatch):
    from review.views import feeds

    monkeypatch.setattr(feeds, "MAX_ENTRY_CHARS", 10)
    feed = feedparser.parse(client.get("/feed.atom").content)
    assert any("more changes" in e.content[0].value for e in feed.entries if e.get("content"))


def test_search_finds_text_of_every_version(client, crawled):
    # Words only the first version had: found, and the hit names version 1.
    html = client.get("/search", params={"q": "Postpones"}).text
    assert f"/articles/{crawled.ids[EDITED]}/versions/1" in html and "<mark>" in html
    # Russian, by a word prefix (inflection).
    ru = client.get("/search", params={"q": "моста"}).text
    assert "/articles/" in ru
    # By URL.
    url_hit = client.get("/search", params={"q": str(GONE)}).text
    assert f'/articles/{crawled.ids[GONE]}"' in url_hit
    # The payload article is found and shown as text.
    xss = client.get("/search", params={"q": "onerror"}).text
    assert f'/articles/{crawled.ids[XSS]}"' in xss and "<img src=x" not in xss
    assert "Nothing in the archive matches" in client.get("/search", params={"q": "zzzqqq"}).text


def test_search_finds_a_deleted_article(crawled):
    """A deleted article's text stays findable: the index covers versions, not live pages."""
    from sqlalchemy import select

    from store.models import Article, Version
    from store.search import search

    with crawled.store.reader() as s:
        version = s.scalars(select(Version).where(Version.article_id == crawled.ids[GONE])).first()
        word = version.content["body"][0].split()[3]
        s.get(Article, crawled.ids[GONE])
        hits = search(s, word)
    assert crawled.ids[GONE] in [h["article"].id for h in hits]


def test_token_gate(crawled):
    with TestClient(create_app(crawled.store, token="s3cret"), base_url="http://127.0.0.1") as c:
        denied = c.get("/")
        assert denied.status_code == 401 and "default-src 'none'" in denied.headers["content-security-policy"]
        opened = c.get("/?token=s3cret&kind=edited", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/?kind=edited"
        assert TOKEN_COOKIE in opened.headers["set-cookie"] and "HttpOnly" in opened.headers["set-cookie"]
        assert c.get("/?kind=edited").status_code == 200  # the cookie now carries it
    with TestClient(create_app(crawled.store, token="s3cret"), base_url="http://127.0.0.1") as fresh:
        assert fresh.get("/?token=wrong").status_code == 401
        assert fresh.get("/feed.atom?token=s3cret").status_code == 200
