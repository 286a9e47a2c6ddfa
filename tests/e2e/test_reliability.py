"""Reliability targets of the brief, through the real ``palimpsest`` command where it matters.

- A crawl killed (SIGKILL) at any point leaves a consistent store, and the next run
  finishes the dead run and goes on.
- Two overlapping runs of one site never corrupt the store or double the work.
- A site that refuses connections makes ``crawl`` fail, with every attempt recorded.
- Malformed input (huge, binary, undeclared cp1251, odd view counts) never crashes the
  crawl and never makes a false edit.
"""

from __future__ import annotations

import json
import random
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from localsite import LocalSite, Response, make_articles
from localsite.pages import to_cp1251
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import (
    Article,
    Capture,
    Event,
    Run,
    Version,
)
from tests.support import site_config
from tests.support.crawls import (
    assert_each_article_once,
    assert_store_consistent,
    count,
    entry_for,
    run_cli,
    start_crawl,
    stop,
    verify_if_available,
    write_config,
)
from tests.support.processes import children_of, exited

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.slow


@pytest.fixture
def big_site(generated_site):
    return generated_site(300, seed=11)


# -- a. killed at any point ----------------------------------------------------------------


def test_killed_crawls_leave_a_consistent_store_and_the_next_run_goes_on(big_site, store_url, tmp_path):
    config = write_config(tmp_path / "palimpsest.toml", store_url, entry_for(big_site, concurrency=4, max_articles=150))
    log = tmp_path / "crawl.log"
    store = Store(store_url).upgrade()  # schema created up front: the runs below race for the data, not the DDL
    rng = random.Random(20251007)
    killed_at = {}  # pid: when it was killed
    orphans = []
    try:
        for attempt in range(3):
            captures_before = count(store, Capture)
            proc = start_crawl(config, log)
            if attempt == 0:
                # Any point, start-up included: a random moment in the first seconds.
                time.sleep(rng.uniform(0.3, 2.0))
            else:
                # Mid-write: once the run has stored a random number of captures.
                goal = captures_before + rng.randint(1, 80)
                deadline = time.monotonic() + 30
                while proc.poll() is None and time.monotonic() < deadline and count(store, Capture) < goal:
                    time.sleep(0.01)
            if proc.poll() is None:
                children = children_of(proc.pid)  # its page reader, if it had started one
                proc.send_signal(signal.SIGKILL)
                killed_at[proc.pid] = datetime.now(UTC)
                orphans.extend(children)
            proc.wait(timeout=30)

        # Then crawl normally until every article has been read (each run reads at most
        # max_articles): the first of these runs finishes the dead runs.
        for _ in range(4):
            final = run_cli(config, "crawl", "--no-notify", "--json", timeout=90)
            assert final.returncode == 0, final.stdout + final.stderr
            [final_run] = json.loads(final.stdout)["runs"]
            unread = count(store, Article, Article.last_capture_at.is_(None))
            if not unread or not final_run["stats"]["pages"]:
                break

        with store.reader() as s:
            runs = s.execute(select(Run.id, Run.worker, Run.status, Run.finished_at).order_by(Run.id)).all()
        assert runs[-1].id == final_run["run_id"] and runs[-1].status == "finished"
        assert all(r.status != "running" for r in runs)
        for r in runs:
            pid = int(r.worker.rpartition(":")[2])
            if pid in killed_at:  # aborted, unless the kill came as it exited, after finishing the run
                assert r.finished_at is not None, r
                finished = r.finished_at.replace(tzinfo=r.finished_at.tzinfo or UTC)
                assert r.status == "aborted" or finished <= killed_at[pid], r
        assert any(r.status == "aborted" for r in runs), "no kill landed inside a run"
        assert not [pid for pid in orphans if not exited(pid, within=10)], "a process outlived its killed crawl"

        assert_store_consistent(store)
        verify_if_available(config)

        # The next runs go on: whatever the killed runs had claimed but not fetched is
        # fetched now, so every article has been read, once.
        assert count(store, Article, Article.last_capture_at.is_(None)) == 0
        assert_each_article_once(store, len(big_site.articles()))
    finally:
        store.close()


# -- b. overlapping runs -------------------------------------------------------------------


def test_two_overlapping_crawls_never_double_the_work(store_url, tmp_path):
    site = LocalSite(make_articles(160, seed=5), listing_page_size=160).start()
    store = Store(store_url).upgrade()
    procs: list[subprocess.Popen] = []
    try:
        config = write_config(tmp_path / "palimpsest.toml", store_url, entry_for(site, concurrency=4, timeout=20.0))
        # A generous timeout: on a loaded 2-core machine two crawls of 130 KB pages can exceed
        # 2 s, and a timed-out page (transient, no version) is not what this test is about.
        procs = [start_crawl(config, tmp_path / f"crawl-{i}.log") for i in range(2)]
        codes = [p.wait(timeout=90) for p in procs]
        logs = [(tmp_path / f"crawl-{i}.log").read_text(errors="replace")[-3000:] for i in range(2)]
        assert codes == [0, 0], logs

        with store.reader() as s:
            runs = s.execute(
                select(Run.id, Run.status, Run.health, Run.started_at, Run.finished_at).order_by(Run.id)
            ).all()
            per_article = Counter(s.scalars(select(Capture.article_id).where(Capture.kind == "article")))
            by_run = Counter(s.scalars(select(Capture.run_id).where(Capture.kind == "article")))
        assert [(r.status, r.health) for r in runs] == [("finished", "ok")] * 2
        assert runs[1].started_at < runs[0].finished_at, "the two runs did not overlap"
        # Leases: each article fetched by one of the two runs, once; together they did it all.
        assert len(per_article) == len(site.articles()) and set(per_article.values()) == {1}
        assert sum(by_run.values()) == len(site.articles()), by_run
        assert_store_consistent(store)
        assert_each_article_once(store, len(site.articles()))
    finally:
        for p in procs:
            stop(p)
        store.close()
        site.stop()


# -- c. connection refused ----------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_crawl_fails_when_the_site_refuses_connections(store_url, tmp_path):
    site = LocalSite().start()
    store = Store(store_url).upgrade()
    try:
        # Known articles first, with thresholds that would delete on a single gone capture.
        [first] = crawl_isolated(site_config(site, store_url))
        assert first.health == "ok"
        config = write_config(
            tmp_path / "palimpsest.toml",
            store_url,
            entry_for(
                site,
                delete_confirmations=1,
                delete_min_age="0s",
                recheck_min="0s",
                recheck_max="0s",
                edit_confirmations=1,
            ),
        )
        site.stop()  # the port is closed now: every connection is refused

        result = run_cli(config, "crawl", "--no-notify", "--json")
        assert result.returncode == 1, result.stdout + result.stderr
        [run] = json.loads(result.stdout)["runs"]
        assert run["health"] == "unreachable"

        with store.reader() as s:
            captures = s.execute(
                select(Capture.kind, Capture.outcome, Capture.reason, Capture.status).where(
                    Capture.run_id == run["run_id"]
                )
            ).all()
            kinds = list(s.scalars(select(Event.kind).where(Event.run_id == run["run_id"])))
        assert Counter(c.kind for c in captures)["article"] == len(site.articles())
        assert {c.outcome for c in captures} == {"transient"}
        assert all(c.status is None and "refused" in c.reason.lower() for c in captures), captures[:2]
        assert kinds == ["site_unreachable"]
        assert count(store, Event, Event.kind == "deleted") == 0

        # A site never reached at all (nothing known yet) fails the same way.
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
        port = closed_port()
        config = write_config(
            tmp_path / "fresh.toml", fresh, entry_for(None, start_urls=[f"http://127.0.0.1:{port}/en/news/"])
        )
        result = run_cli(config, "crawl", "--no-notify", "--json")
        assert result.returncode == 1, result.stdout + result.stderr
        fresh_store = Store(fresh)
        try:
            with fresh_store.reader() as s:
                outcomes = s.execute(select(Capture.kind, Capture.outcome)).all()
            assert outcomes == [("listing", "transient")]
        finally:
            fresh_store.close()
    finally:
        store.close()
        site.stop()


# -- d. malformed input ---------------------------------------------------------------------


class MalformedSite(LocalSite):
    """The local site, with some article pages passed through a function before sending."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mangle: dict[str, Callable[[Response], Response]] = {}

    def respond(self, path: str) -> Response:
        response = super().respond(path)
        mangle = self.mangle.get(path)
        return mangle(response) if mangle else response


def huge(response: Response) -> Response:
    """The page with 5 MB of markup outside the article (a runaway widget)."""
    junk = b'<div class="widget">' + b"<span>x</span>" * (5 * 1024 * 1024 // 14) + b"</div>"
    response.body = response.body.replace(b"</body>", junk + b"</body>", 1)
    return response


def binary(response: Response) -> Response:
    response.body = random.Random(7).randbytes(300_000)
    response.content_type = "application/octet-stream"
    return response


def cp1251_undeclared(response: Response) -> Response:
    """cp1251 bytes, declared nowhere: no charset in the header nor in the markup."""
    response.body = to_cp1251(response.body).replace(b'<meta charset="windows-1251">', b"", 1)
    response.content_type = "text/html"
    return response


def cp1251_declared_utf8(response: Response) -> Response:
    """cp1251 bytes whose header and markup say UTF-8: a misconfigured server."""
    response.body = to_cp1251(response.body).replace(b'<meta charset="windows-1251">', b'<meta charset="utf-8">', 1)
    return response


def views_as(text: str) -> Callable[[Response], Response]:
    def mangle(response: Response) -> Response:
        response.body = re.sub(rb'(class="news__views">)[^<]*', lambda m: m[1] + text.encode(), response.body, count=1)
        return response

    return mangle


def test_malformed_input_never_crashes_nor_makes_a_false_edit(store_url):
    site = MalformedSite(make_articles(24, seed=3), listing_page_size=24).start()
    store = Store(store_url).upgrade()
    try:
        config = site_config(site, store_url)  # edits confirmed on first sight
        [first] = crawl_isolated(config)
        assert first.health == "ok"
        with store.reader() as s:
            ids = {url: aid for url, aid in s.execute(select(Article.url, Article.id))}
            baseline = dict(s.execute(select(Article.id, Article.current_version_id)).all())

        ru = [a for a in site.articles() if a.lang == "ru"]
        en = [a for a in site.articles() if a.lang == "en"]
        cases = {
            "huge": (ru[0], huge),
            "binary": (ru[1], binary),
            "cp1251_undeclared": (ru[2], cp1251_undeclared),
            "views_spaced": (en[0], views_as("2 422")),
            "views_nbsp": (ru[3], views_as("2\u00a0422")),
            "views_k": (en[1], views_as("2.4K")),
        }
        for article, mangle in cases.values():
            site.mangle[article.path] = mangle

        [run] = crawl_isolated(config)
        assert run.finish_reason == "finished" and run.health == "ok", run
        with store.reader() as s:
            got = {
                name: s.execute(
                    select(Capture.outcome, Capture.reason, Capture.version_id, Capture.id)
                    .where(Capture.run_id == run.run_id, Capture.article_id == ids[site.url(article.id)])
                    .order_by(Capture.id)
                ).first()
                for name, (article, _) in cases.items()
            }
            views = {
                name: s.scalar(select(Capture.views).where(Capture.id == got[name].id))
                for name in ("views_spaced", "views_nbsp", "views_k")
            }
        for name, (article, _) in cases.items():
            outcome, reason, version, _ = got[name]
            # A clear recorded failure, or the same content: never anything else.
            assert (outcome == "transient" and reason) or (
                outcome == "ok" and version == baseline[ids[site.url(article.id)]]
            ), (name, outcome, reason)
        assert got["binary"].outcome == "transient"
        assert got["cp1251_undeclared"].outcome == "ok", "an undeclared cp1251 page must still be read"
        assert views == {"views_spaced": 2422, "views_nbsp": 2422, "views_k": 2400}

        # Served normally again: still the same content, and still no edit.
        site.mangle.clear()
        [last] = crawl_isolated(config)
        assert last.health == "ok"
        with store.reader() as s:
            kinds = Counter(s.scalars(select(Event.kind)))
            now = dict(s.execute(select(Article.id, Article.current_version_id)).all())
        assert kinds == {"new": len(site.articles())}
        assert now == baseline
        assert count(store, Version) == len(site.articles())
    finally:
        store.close()
        site.stop()


def test_cp1251_page_declared_utf8_is_no_edit(tmp_path):
    """A server that starts labelling its cp1251 pages UTF-8 must not make every article "edited"."""
    store_url = f"sqlite:///{tmp_path / 'palimpsest.db'}"
    site = MalformedSite(make_articles(12, seed=3), listing_page_size=12).start()
    store = Store(store_url).upgrade()
    try:
        config = site_config(site, store_url)
        crawl_isolated(config)
        ru = next(a for a in site.articles() if a.lang == "ru")
        site.mangle[ru.path] = cp1251_declared_utf8
        [run] = crawl_isolated(config)
        assert run.health == "ok"
        with store.reader() as s:
            capture = s.execute(
                select(Capture.outcome, Capture.reason, Capture.version_id)
                .join(Article, Article.id == Capture.article_id)
                .where(Capture.run_id == run.run_id, Article.url == site.url(ru.id))
            ).first()
        assert count(store, Event, Event.kind == "edited") == 0, capture
        assert capture.outcome == "transient" or count(store, Version) == len(site.articles()), capture
    finally:
        store.close()
        site.stop()
