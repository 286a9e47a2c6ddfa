"""pywb replays an exported WARC: each version at its own time, a deletion's 404 as a 404."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from evidence.warc import export_warc
from store.models import Article, Capture, Version
from tests.support.evidence import ARTICLE_A, ARTICLE_B
from tests.support.outside_tools import fetch, wayback


def replay_url(base: str, capture: Capture, url: str) -> str:
    """pywb's identity (``id_``) replay of ``url`` as of the capture's time."""
    return f"{base}{capture.fetched_at:%Y%m%d%H%M%S}id_/{url}"


def test_pywb_replays_each_capture_at_its_own_time(filled, tmp_path: Path) -> None:
    summary = export_warc(filled, tmp_path / "all.warc.gz")
    with filled.reader() as s:
        captures = s.execute(
            select(Capture, Article.url, Version.content)
            .join(Article, Article.id == Capture.article_id)
            .outerjoin(Version, Version.id == Capture.version_id)
            .where(Capture.response_sha256.is_not(None))
            .order_by(Capture.id)
        ).all()
    assert {url for _, url, _ in captures} == {ARTICLE_A, ARTICLE_B} and len(captures) == 7
    with wayback([summary.path], tmp_path) as base:
        for capture, url, content in captures:
            code, text = fetch(replay_url(base, capture, url))
            assert code == capture.status, (capture.id, code, text[:300])
            if content is not None:
                assert f"<h1>{content['headline']}</h1>" in text, (capture.id, text[:300])
                assert f"<span class='views'>{capture.views}</span>" in text  # this capture, not a neighbour
        first = next(c for c, url, _ in captures if url == ARTICLE_A)
        edited = next(c for c, url, content in captures if content and "after vote" in content["headline"])
        assert "<h1>Minister resigns</h1>" in fetch(replay_url(base, first, ARTICLE_A))[1]
        assert "<h1>Minister resigns after vote</h1>" in fetch(replay_url(base, edited, ARTICLE_A))[1]
        gone = captures[-1][0]
        assert gone.status == 404
        code, text = fetch(replay_url(base, gone, ARTICLE_B))
        assert code == 404 and "Not found" in text
