"""Pages are read in a reader process or on the writer's thread: a parser's answers, a bug, a dead reader."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from changes import Outcome
from changes.records import CaptureKind, Fetched
from crawler.errors import ERRORS_STAT
from crawler.items import CaptureItem
from crawler.pipelines import PARSER_CRASHED, ArchivePipeline, _judged_by_reader, judged, read_article
from crawler.reading import Readers
from crawler.sites import ParseError, parser_class

URL = "https://charter97.org/en/news/2025/10/7/123456/"


class _Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] += count


def _item(body: bytes = b"<html><body><p>x</p></body></html>", status: int = 200) -> CaptureItem:
    fetched = Fetched(
        kind=CaptureKind.ARTICLE,
        url=URL,
        fetched_at=datetime(2026, 12, 1, tzinfo=UTC),
        status=status,
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body,
    )
    return CaptureItem(fetched=fetched, article_url=URL)


class _Crashing(parser_class("charter97")):
    def parse_article(self, page):
        raise RuntimeError("bug in the parser")


class _Refusing(parser_class("charter97")):
    def parse_article(self, page):
        raise ParseError("no headline")


def test_a_parser_crash_keeps_the_capture_as_unreadable_and_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from twisted.internet import reactor

    monkeypatch.setattr(reactor, "callFromThread", lambda f, *a: f(*a))  # the reactor's side, here and now
    stats = _Stats()
    pipeline = ArchivePipeline(SimpleNamespace(stats=stats))
    pipeline.run = SimpleNamespace(parser=_Crashing())
    job = pipeline.judge((_item(), None))
    assert job.verdict.outcome is Outcome.TRANSIENT
    assert "parser crashed: RuntimeError: bug in the parser" in job.reading.parse_error
    assert job.fetched.body  # the page itself is kept: evidence of what the site served
    assert stats.values[ERRORS_STAT] == 1 and stats.values[PARSER_CRASHED] == 1


def test_a_parse_error_is_an_answer_not_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = _Stats()
    pipeline = ArchivePipeline(SimpleNamespace(stats=stats))
    pipeline.run = SimpleNamespace(parser=_Refusing())
    job = pipeline.judge((_item(), None))
    assert job.verdict.outcome is Outcome.TRANSIENT and job.reading.parse_error == "no headline"
    assert not stats.values  # nothing to fail the run for


def test_only_an_answered_article_page_is_read() -> None:
    parser = _Crashing()  # would raise if it were asked
    error_page = read_article(_item(status=503), parser)
    assert error_page.article is None and error_page.parse_error is None
    assert (error_page.parser, error_page.parser_version) == (parser.name, parser.version)
    listing = CaptureItem(fetched=_item().fetched)
    assert read_article(listing, parser) is listing


def _seed_item() -> CaptureItem:
    """A charter97-shaped synthetic page from the local site."""
    from localsite import LocalSite

    site = LocalSite()
    site.base_url = "https://charter97.org"
    article = site.articles()[0]
    fetched = replace(_item().fetched, url=site.base_url + article.path, body=site.respond(article.path).body)
    return CaptureItem(fetched=fetched, article_url=fetched.url)


def _site_entry():
    from palimpsest.config import from_dict

    entry = {"name": "c97", "parser": "charter97", "start_urls": ["https://charter97.org/en/news/"]}
    return from_dict({"store": "sqlite://", "sites": [entry]}).sites[0]


def test_a_reader_process_judges_a_page_as_the_writer_thread_would() -> None:
    item = _seed_item()
    site = _site_entry()
    here = judged(item, site.build_parser())
    assert here.reading.content is not None  # the page was read
    readers = Readers(site, 1)
    try:
        assert readers.ready(60)
        there = readers.submit(_judged_by_reader, item).result(timeout=60)
    finally:
        readers.close()
    assert there == here


def test_a_reader_not_up_yet_leaves_the_page_to_the_writer_thread() -> None:
    readers = Readers(_site_entry(), 1)
    try:
        assert readers.submit(_judged_by_reader, _seed_item()) is None  # spawning takes a second
    finally:
        readers.close()


def test_a_dead_reader_costs_only_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    item = _seed_item()
    site = _site_entry()
    readers = Readers(site, 1)
    try:
        assert readers.ready(60)
        for process in list(readers._pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        pending = readers.submit(_judged_by_reader, item)
        pipeline = ArchivePipeline(SimpleNamespace(stats=_Stats()))
        pipeline.run = SimpleNamespace(parser=site.build_parser())
        job = pipeline.judge((item, pending))  # the pool is broken: read here instead
    finally:
        readers.close()
    assert job.reading.content == judged(item, site.build_parser()).reading.content
    assert readers.submit(_judged_by_reader, item) is None  # and no more is sent there
