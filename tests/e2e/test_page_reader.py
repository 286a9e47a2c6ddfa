"""A whole crawl long enough to start its page reader (crawler/reader.py): the reader's
judgements archive every article once, see a real edit and no views-only change as one,
and the reader is gone when its crawl ends."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from store.db import Store
from store.models import Article, Event
from tests.support.crawls import WATCHDOG, assert_each_article_once, entry_for, start_crawl, write_config
from tests.support.processes import children_of, exited

ARTICLES = 120  # the reader starts at a run's 32nd article page


def crawl_seeing_readers(config: Path, log: Path) -> set[int]:
    """Run one crawl to its end; the pids of the page readers it started."""
    proc = start_crawl(config, log)
    readers: set[int] = set()
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        for pid in set(children_of(proc.pid)) - readers:
            try:
                if b"crawler.reader" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    readers.add(pid)
            except OSError:
                pass
        time.sleep(0.02)
    assert proc.wait(timeout=30) == 0, log.read_text()
    return readers


def test_a_long_crawl_is_read_by_its_page_reader_and_leaves_nothing_behind(generated_site, store_url, tmp_path):
    site = generated_site(ARTICLES, seed=29)
    entry = entry_for(site, max_articles=2 * ARTICLES, recheck_min="0s", recheck_max="0s", edit_confirmations=1)
    config = write_config(tmp_path / "palimpsest.toml", store_url, entry)
    store = Store(store_url).upgrade()
    try:
        readers = crawl_seeing_readers(config, tmp_path / "first.log")
        assert len(readers) == 1, readers
        assert all(exited(pid, within=10) for pid in readers), "the page reader outlived its crawl"
        assert_each_article_once(store, ARTICLES)

        articles = site.articles()
        for article in articles:
            site.set_views(article.id, article.views + 7)  # no edit
        edited = [a.id for a in articles[:3]]
        for article_id in edited:
            site.edit(article_id, body=[*site.get(article_id).body, "A sentence the editors added later."])
        readers = crawl_seeing_readers(config, tmp_path / "recheck.log")
        assert len(readers) == 1, readers
        assert all(exited(pid, within=10) for pid in readers)
        with store.reader() as s:
            events = s.execute(
                select(Event.kind, Article.url)
                .join(Article, Article.id == Event.article_id)
                .where(Event.kind.in_(WATCHDOG))
            ).all()
        assert Counter(kind for kind, _ in events) == {"new": ARTICLES, "edited": 3}
        paths = {urlsplit(url).path for kind, url in events if kind == "edited"}
        assert paths == {site.get(article_id).path for article_id in edited}
    finally:
        store.close()
