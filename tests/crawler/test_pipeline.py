"""The pipeline reads pages on the writer's thread: what a parser answers, and what a parser bug costs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from changes import Outcome
from changes.records import CaptureKind, Fetched
from crawler.errors import ERRORS_STAT
from crawler.items import CaptureItem
from crawler.pipelines import PARSER_CRASHED, ArchivePipeline
from crawler.reading import read_article
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


def test_a_parser_crash_in_the_page_reader_is_named_in_the_crawls_log(monkeypatch, caplog) -> None:
    from concurrent.futures import Future

    from twisted.internet import reactor

    from crawler.reading import judged

    monkeypatch.setattr(reactor, "callFromThread", lambda f, *a: f(*a))
    crashed = judged(_item(), _Crashing())  # what the reader sends back for such a page
    stats = _Stats()
    pipeline = ArchivePipeline(SimpleNamespace(stats=stats))
    pipeline.run = SimpleNamespace(parser=_Crashing())
    pipeline.reader = SimpleNamespace(result=lambda future: future.result())
    answered: Future = Future()
    answered.set_result(crashed)
    caplog.clear()
    job = pipeline.judge((_item(), answered))
    assert "parser crashed: RuntimeError: bug in the parser" in job.reading.parse_error
    assert stats.values[PARSER_CRASHED] == 1
    [record] = [r for r in caplog.records if r.name == "crawler.pipelines"]
    assert record.levelname == "ERROR" and URL in record.getMessage() and "bug in the parser" in record.getMessage()
