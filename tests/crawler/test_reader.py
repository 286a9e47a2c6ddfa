"""The page reader process: it judges a page as the crawl's own process would, and it can
neither outlive its crawl nor hang it (killed, stopped, failing on a page)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from changes.records import CaptureKind, Fetched
from crawler.items import CaptureItem
from crawler.pipelines import ArchivePipeline
from crawler.reader import Reader
from crawler.reading import judged
from tests.support.processes import exited

ROOT = Path(__file__).resolve().parents[2]


def _seed_item() -> CaptureItem:
    """A charter97-shaped synthetic page from the local site."""
    from localsite import LocalSite

    site = LocalSite()
    site.base_url = "https://charter97.org"
    article = site.articles()[0]
    url = site.base_url + article.path
    fetched = Fetched(
        kind=CaptureKind.ARTICLE,
        url=url,
        fetched_at=datetime(2026, 12, 1, tzinfo=UTC),
        status=200,
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=site.respond(article.path).body,
    )
    return CaptureItem(fetched=fetched, article_url=url)


def _site_entry():
    from palimpsest.config import from_dict

    entry = {"name": "c97", "parser": "charter97", "start_urls": ["https://charter97.org/en/news/"]}
    return from_dict({"store": "sqlite://", "sites": [entry]}).sites[0]


@pytest.fixture
def reader():
    reader = Reader(_site_entry())
    yield reader
    reader.close(timeout=2)
    assert exited(reader.pid, 5)


def test_the_reader_judges_a_page_as_the_crawls_process_would(reader: Reader) -> None:
    item = _seed_item()
    here = judged(item, _site_entry().build_parser())
    assert here.reading.content is not None  # the page was read
    assert reader.ready(60)
    there = reader.result(reader.submit(item))
    assert there == here


def test_a_reader_not_up_yet_declines_the_page() -> None:
    reader = Reader(_site_entry())
    try:
        assert reader.submit(_seed_item()) is None  # starting an interpreter takes a while
    finally:
        reader.close(timeout=2)
    assert exited(reader.pid, 5)
    assert reader.submit(_seed_item()) is None  # and a closed one too


def test_a_killed_reader_costs_only_time(reader: Reader) -> None:
    item = _seed_item()
    assert reader.ready(60)
    os.kill(reader.pid, signal.SIGKILL)
    assert exited(reader.pid, 5)
    pending = reader.submit(item)  # None once the reader is seen gone, or a future that fails
    pipeline = ArchivePipeline(SimpleNamespace(stats=None))
    pipeline.reader = reader
    pipeline.run = SimpleNamespace(parser=_site_entry().build_parser())
    job = pipeline.judge((item, pending))  # read here instead
    assert job.reading.content == judged(item, _site_entry().build_parser()).reading.content
    deadline = time.monotonic() + 5
    while reader.submit(item) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader.submit(item) is None  # and no more is sent there


def test_a_stopped_reader_is_killed_after_its_answer_timeout(reader: Reader) -> None:
    assert reader.ready(60)
    reader.answer_timeout = 0.5
    os.kill(reader.pid, signal.SIGSTOP)  # hung: it will never answer
    started = time.monotonic()
    assert reader.result(reader.submit(_seed_item())) is None
    assert time.monotonic() - started < 5
    assert exited(reader.pid, 5)


def test_closing_a_hung_reader_kills_it_instead_of_waiting() -> None:
    reader = Reader(_site_entry())
    assert reader.ready(60)
    os.kill(reader.pid, signal.SIGSTOP)
    started = time.monotonic()
    reader.close(timeout=0.5)
    assert time.monotonic() - started < 5
    assert exited(reader.pid, 5)


def test_a_page_that_fails_in_the_reader_is_read_by_the_caller(reader: Reader) -> None:
    assert reader.ready(60)
    broken = replace(_seed_item(), article_url=object())  # judging it raises, over there and here
    assert reader.result(reader.submit(broken)) is None
    item = _seed_item()
    assert reader.result(reader.submit(item)) == judged(item, _site_entry().build_parser())  # still up


PARENT = r"""
import sys, time
from palimpsest.config import from_dict
from crawler.reader import Reader
site = from_dict({"store": "sqlite://", "sites": [
    {"name": "c97", "parser": "charter97", "start_urls": ["https://charter97.org/en/news/"]}]}).sites[0]
reader = Reader(site)
reader.ready(60)
print(reader.pid, flush=True)
time.sleep(120)
"""


def test_a_reader_exits_when_its_crawl_is_killed() -> None:
    with subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, cwd=ROOT, text=True) as parent:
        try:
            reader_pid = int(parent.stdout.readline())
            assert not exited(reader_pid, 0.5)  # up, waiting for pages
            parent.send_signal(signal.SIGKILL)
            parent.wait(10)
            assert exited(reader_pid, 10), "the reader outlived its crawl"
        finally:
            parent.kill()
