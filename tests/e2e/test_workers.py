"""Several workers on one store: every due article fetched once per round, none lost when a
worker dies, overlapping runs consistent and complete, one request rate across them all.

Workers are real ``palimpsest crawl`` processes; what they fetched is read from the local
site's access log, what they stored from the store.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from localsite import LocalSite, make_articles
from store.db import Store
from store.models import Article, Capture, Run
from tests.support.crawls import assert_store_consistent, count, entry_for, run_cli, start_crawl, write_config

pytestmark = pytest.mark.slow


def article_hits(site: LocalSite) -> Counter[str]:
    paths = {a.path for a in site.articles()}
    return Counter(a.path for a in site.access_log if a.path in paths)


def run_workers(config, tmp_path, n: int, tag: str) -> None:
    procs = [start_crawl(config, tmp_path / f"{tag}-{i}.log") for i in range(n)]
    codes = [p.wait(timeout=120) for p in procs]
    logs = [(tmp_path / f"{tag}-{i}.log").read_text(errors="replace")[-2000:] for i in range(n)]
    assert codes == [0] * n, logs


def consistent_and_verified(store: Store, config) -> None:
    """Both hash chains hold and every blob resolves; and `palimpsest verify` agrees."""
    assert_store_consistent(store)
    verify = run_cli(config, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.fixture
def site(generated_site):
    return generated_site(90, seed=21)


@pytest.mark.postgres
def test_three_workers_fetch_every_due_article_once_per_round(site, postgres_url, tmp_path):
    store = Store(postgres_url).upgrade()
    config = write_config(tmp_path / "palimpsest.toml", postgres_url, entry_for(site, concurrency=4, lease_batch=8))
    try:
        for round_no in range(2):
            site.access_log.clear()
            run_workers(config, tmp_path, 3, f"round{round_no}")
            hits = article_hits(site)
            assert set(hits.values()) == {1} and len(hits) == len(site.articles()), hits.most_common(3)
            with store.reader() as s:
                runs = s.scalars(select(Run.id).order_by(Run.id.desc()).limit(3)).all()
                by_run = Counter(
                    s.scalars(select(Capture.run_id).where(Capture.kind == "article", Capture.run_id.in_(runs)))
                )
            assert sum(by_run.values()) == len(site.articles())
            assert len(by_run) >= 2, f"one worker did the whole round: {by_run}"
            # The next round: every article due again, as if its recheck time had come.
            with store.session() as s:
                s.execute(update(Article).values(next_check_at=datetime.now(UTC) - timedelta(seconds=1)))
        consistent_and_verified(store, config)
    finally:
        store.close()


@pytest.mark.postgres
def test_a_killed_worker_leaves_no_article_unfetched_once_its_lease_expires(site, postgres_url, tmp_path):
    store = Store(postgres_url).upgrade()
    # Paced (shared delay), so that the round lasts longer than a lease.
    config = write_config(
        tmp_path / "palimpsest.toml",
        postgres_url,
        entry_for(site, concurrency=4, lease_batch=10, lease="2s", delay=0.04),
    )
    try:
        doomed = start_crawl(config, tmp_path / "doomed.log")
        deadline = time.monotonic() + 60
        while count(store, Capture, Capture.kind == "article") < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        survivor = start_crawl(config, tmp_path / "survivor.log")
        time.sleep(0.3)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        with store.reader() as s:
            [dead_run] = s.scalars(select(Run.id).where(Run.worker.endswith(f":{doomed.pid}"))).all()
            orphans = set(
                s.scalars(select(Article.id).where(Article.lease_run_id == dead_run, Article.last_capture_at.is_(None)))
            )
        assert orphans, "the killed worker held no lease: nothing tested"
        assert survivor.wait(timeout=120) == 0, (tmp_path / "survivor.log").read_text()[-2000:]

        # Whatever the survivor could not take yet, the next run takes (and it closes the dead run).
        final = run_cli(config, "crawl", "--no-notify", "--json", timeout=120)
        assert final.returncode == 0, final.stdout + final.stderr
        with store.reader() as s:
            per_article = Counter(s.scalars(select(Capture.article_id).where(Capture.kind == "article")))
            status = s.scalar(select(Run.status).where(Run.id == dead_run))
            taken_by = set(s.scalars(select(Capture.run_id).where(Capture.article_id.in_(orphans))))
        assert len(per_article) == len(site.articles()), "an article was never fetched"
        assert set(per_article.values()) == {1}, per_article.most_common(3)
        assert dead_run not in taken_by and status == "aborted"
        assert_store_consistent(store)
    finally:
        store.close()


def test_overlapping_runs_leave_a_complete_consistent_store(site, store_url, tmp_path):
    """Three runs at once: each request the site saw is a capture in the store (or its process
    failed loudly), and ``verify`` accepts the store."""
    store = Store(store_url).upgrade()
    config = write_config(tmp_path / "palimpsest.toml", store_url, entry_for(site, concurrency=4, lease_batch=10))
    try:
        run_workers(config, tmp_path, 3, "overlap")
        sent = [a for a in site.access_log if a.path != "/robots.txt"]
        assert count(store, Capture) == len(sent), "a fetch was not recorded and no process failed"
        assert set(article_hits(site).values()) == {1}
        consistent_and_verified(store, config)
    finally:
        store.close()


@pytest.mark.postgres
def test_the_site_rate_limit_holds_across_workers(postgres_url, tmp_path):
    site = LocalSite(make_articles(30, seed=8), listing_page_size=30).start()
    store = Store(postgres_url).upgrade()
    delay = 0.1
    config = write_config(
        tmp_path / "palimpsest.toml", postgres_url, entry_for(site, concurrency=4, lease_batch=6, delay=delay)
    )
    try:
        run_workers(config, tmp_path, 3, "paced")
        times = sorted(a.at for a in site.access_log)
        assert len(times) >= 30 + 3 * 4
        # Each of the 3 workers runs 4 requests at once: unpaced, they would send all of
        # them within a second. Together they must keep to one per `delay`, on average
        # and over any run of 20 (the site's own clock jitters when the machine is busy).
        assert (times[-1] - times[0]) / (len(times) - 1) >= delay * 0.97
        window = 20
        tightest = min(b - a for a, b in zip(times, times[window:], strict=False))
        assert tightest >= window * delay - 0.5, f"{window + 1} requests within {tightest:.3f} s"
        with store.reader() as s:
            workers = set(s.scalars(select(Run.worker)))
        assert len(workers) == 3
    finally:
        store.close()
        site.stop()
