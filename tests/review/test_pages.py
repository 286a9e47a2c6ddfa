"""The review pages over a crawled store, through Starlette's test client (HTML and headers)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from starlette.testclient import TestClient

from review import create_app
from review.app import CSP
from tests.support.review import EDITED, GONE, XSS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(crawled):
    with TestClient(create_app(crawled.store), base_url="http://127.0.0.1") as c:
        yield c


def get(client, path: str, status: int = 200):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    for name, value in (
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ):
        assert response.headers[name] == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    return response


def test_changes_list_links_to_diffs(client, crawled):
    html = get(client, "/").text
    aid = crawled.ids[EDITED]
    assert f'href="/articles/{aid}/diff?from=1&amp;to=2"' in html
    assert f'href="/articles/{aid}/diff?from=2&amp;to=3"' in html
    assert "Cancels Vote" in html and "words" in html
    assert "deleted" in html and "restored" in html


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("kind=deleted", [GONE], [EDITED]),
        ("kind=headline", [EDITED, XSS], [GONE]),
        ("kind=backdated", [], [EDITED, GONE]),
        ("site=nope", [], [EDITED, GONE]),
        ("since=2999-01-01", [], [EDITED]),
    ],
)
def test_changes_filters(client, crawled, query, present, absent):
    html = get(client, f"/?{query}").text
    for local in present:
        assert f"/articles/{crawled.ids[local]}" in html, query
    for local in absent:
        assert f"/articles/{crawled.ids[local]}/" not in html and f'/articles/{crawled.ids[local]}"' not in html, query


def test_changes_pagination(client, monkeypatch):
    from review.views import changes

    monkeypatch.setattr(changes, "PAGE_SIZE", 3)
    first = get(client, "/").text
    older = re.search(r'href="\?before=(\d+)"', first)
    assert older, "a full page links to the older one"
    second = get(client, f"/?before={older.group(1)}").text
    ids = lambda html: re.findall(r'<time datetime="[^"]+">', html)  # noqa: E731
    assert len(ids(first)) == 3 and ids(second)
    assert "Newer" in second
    get(client, "/?before=abc", 400)
    get(client, "/?kind=nonsense", 400)


def test_article_page(client, crawled):
    aid = crawled.ids[EDITED]
    html = get(client, f"/articles/{aid}").text
    assert "<svg" in html and "<polyline" in html  # the view chart, drawn on the server
    assert "Evidence chain verifies" in html
    for seq in (1, 2, 3):
        assert f"/articles/{aid}/versions/{seq}" in html
    assert f"/articles/{aid}/diff?from=2&amp;to=3" in html
    gone = get(client, f"/articles/{crawled.ids[GONE]}").text
    assert "outcome-gone" in gone and "HTTP 404" in gone
    get(client, "/articles/999999", 404)


def test_version_page_and_bundle(client, crawled):
    aid = crawled.ids[EDITED]
    html = get(client, f"/articles/{aid}/versions/1").text
    assert "Postpones" in html and "response_sha256" in html and "record_hash" in html
    bundle = get(client, f"/articles/{aid}/evidence.zip")
    assert bundle.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    manifest = next(n for n in names if n.endswith(".manifest.json"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(bundle.content)).read(manifest))
    assert data["chain"]["ok"] and len(data["versions"]) == 3
    get(client, f"/articles/{aid}/versions/9", 404)


def test_at_time_shows_what_the_page_said(client, crawled):
    aid = crawled.ids[EDITED]
    html = get(client, f"/articles/{aid}/at?t=2000-01-01", 404).text
    assert "nothing was read" in html
    now = get(client, f"/articles/{aid}/at").text
    assert "Version 3 of 3" in now


def test_diff_marks_words_moves_and_merges(client, crawled):
    aid = crawled.ids[EDITED]
    html = get(client, f"/articles/{aid}/diff?from=1&to=2").text
    assert '<del><span class="sr">[removed: </span>2.5<span class="sr">]</span></del>' in html
    assert re.search(r"<ins><span class=\"sr\">\[added: </span>3\.1", html)
    assert "moved from ¶1" in html and "blk-moved" in html
    assert re.search(r"<ins><span class=\"sr\">\[added: </span>Tuesday", html)  # edited inside the move
    merged = get(client, f"/articles/{aid}/diff?from=2&to=3").text
    assert "blk-merged" in merged and "paragraph break removed" in merged
    side = get(client, f"/articles/{aid}/diff?from=1&to=2&view=side&mode=all").text
    assert 'class="diff side"' in side and "Next version" in side
    get(client, f"/articles/{aid}/diff?from=1&to=7", 404)
    get(client, f"/articles/{aid}/diff?view=weird", 400)


def test_event_links_from_alerts_resolve(client, crawled):
    from sqlalchemy import select

    from store.models import Event

    with crawled.store.reader() as s:
        edited = s.scalars(select(Event).where(Event.kind == "edited", Event.article_id == crawled.ids[EDITED])).first()
        deleted = s.scalars(select(Event).where(Event.kind == "deleted")).first()
    location = get(client, f"/events/{edited.id}", 303).headers["location"]
    assert location.startswith(f"/articles/{crawled.ids[EDITED]}/diff?")
    assert get(client, f"/events/{deleted.id}", 303).headers["location"] == f"/articles/{crawled.ids[GONE]}"
    get(client, "/events/999999", 404)


def test_deleted_page(client, crawled):
    html = get(client, "/deleted").text
    # GONE was restored, so it is no longer listed as deleted.
    assert f'/articles/{crawled.ids[GONE]}"' not in html


def test_scraped_script_is_escaped(client, crawled):
    for path in (
        "/",
        f"/articles/{crawled.ids[XSS]}",
        f"/articles/{crawled.ids[XSS]}/diff",
        f"/articles/{crawled.ids[XSS]}/versions/2",
        "/search?q=xss",
    ):
        html = get(client, path).text
        assert "<script>window" not in html and "<img src=x" not in html and 'href="javascript:' not in html, path
        assert "<svg onload" not in html, path
    assert "&lt;script&gt;window.__xss" in get(client, f"/articles/{crawled.ids[XSS]}").text


def test_static_and_errors_carry_the_headers(client):
    assert "j" in get(client, "/static/keys.js").text
    get(client, "/static/review.css")
    get(client, "/nowhere", 404)
