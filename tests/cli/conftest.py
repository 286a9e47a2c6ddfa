"""Fixtures of the CLI tests: a store written the way a crawl writes it, with the CLI pointed at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from changes import HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from store.db import Store
from store.writer import ArticleRef

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from changes import Content

T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
PLAIN_PAGE = b"<html><body><h1>x</h1></body></html>"


@pytest.fixture
def crawled_store(tmp_path, monkeypatch) -> Callable[..., str]:
    """``crawled_store(runs)`` writes one finished run per item of ``runs``, an hour apart from
    T0, into a fresh SQLite store, points the CLI at it (PALIMPSEST_DB, no config file, the
    test's folder as the working directory) and returns its URL.

    A run maps each article URL to what the page showed: ``(content, views)``. The URLs are
    discovered in sorted order and recorded in the mapping's order; ``page`` gives the HTML
    body for a headline (one plain page by default).
    """

    def write(
        runs: Sequence[Mapping[str, tuple[Content, int | None]]],
        *,
        edit_confirmations: int = 1,
        page: Callable[[str], bytes] = lambda _headline: PLAIN_PAGE,
    ) -> str:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        store = Store(url).upgrade()
        archive = Archive(store)
        policy = Policy(edit_confirmations=edit_confirmations, delete_confirmations=1, delete_min_age=timedelta(0))
        for i, pages in enumerate(runs):
            at = T0 + timedelta(hours=i)
            run = archive.start_run("c97", "charter97", now=at)
            archive.discover(run, [ArticleRef(article_url) for article_url in sorted(pages)], now=at)
            for article_url, (content, views) in pages.items():
                body = page(content.headline)
                fetched = Fetched(kind="article", url=article_url, fetched_at=at, status=200, body=body)
                verdict = classify_fetch(status=200, error=None, headers={}, body=body, url=article_url, final_url=None)
                archive.record(
                    run,
                    fetched,
                    verdict,
                    article_url=article_url,
                    reading=Reading(parser="charter97", parser_version="1", views=views, content=content),
                )
            archive.finish_run(run, policy=policy, health_policy=HealthPolicy(), now=at)
        store.close()
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("PALIMPSEST_DB", url)
        monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
        return url

    return write
