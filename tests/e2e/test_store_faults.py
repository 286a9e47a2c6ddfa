"""Store faults end the run with one clear line and exit 1; the store verifies; the next run goes on.

A locked SQLite database (another process holds the write lock), PostgreSQL dropping the
run's connections in the middle of the run (pg_terminate_backend, which a shared server
survives, instead of restarting it), and a full disk (a tiny tmpfs in a private mount
namespace).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from localsite import LocalSite, make_articles

pytestmark = pytest.mark.slow


def write_config(path, site: LocalSite, store: str, **settings) -> None:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    path.write_text(
        f'store = "{store}"\n[[sites]]\nname = "c97"\nparser = "charter97"\n'
        f"start_urls = {json.dumps(site.start_urls())}\n"
        f'recheck_min = "0s"\nrecheck_max = "0s"\n{extra}'
    )


def palimpsest(config, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PALIMPSEST_DB", "PALIMPSEST_NOTIFY")}
    return subprocess.run(
        [sys.executable, "-m", "palimpsest", "--config", str(config), *args],
        env=env,
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_store_failure(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("palimpsest: store:")]
    for fragment in fragments:
        assert fragment in line, line


def assert_recovers(config) -> None:
    verified = palimpsest(config, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr[-2000:]
    again = palimpsest(config, "crawl", "--no-notify")
    assert again.returncode == 0, again.stdout + again.stderr[-2000:]
    assert "ok" in again.stdout


@pytest.fixture
def site():
    s = LocalSite(make_articles(10, seed=4), listing_page_size=10).start()
    yield s
    s.stop(grace=0.1)


def test_a_locked_sqlite_store(site, tmp_path):
    db = tmp_path / "p.db"
    config = tmp_path / "palimpsest.toml"
    write_config(config, site, f"sqlite:///{db}?timeout=1")
    assert palimpsest(config, "crawl", "--no-notify").returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock: readers still read
        assert_store_failure(palimpsest(config, "crawl", "--no-notify"), "database is locked")
    finally:
        holder.rollback()
        holder.close()
    assert_recovers(config)


def test_postgresql_drops_the_runs_connections(site, tmp_path, postgres_url):
    from tests.support.postgres import PG_ADMIN_URL

    app_name = f"palimpsest-fault-{uuid.uuid4().hex[:8]}"
    store = f"{postgres_url}&application_name={app_name}"
    config = tmp_path / "palimpsest.toml"
    write_config(config, site, store, concurrency=2)
    assert palimpsest(config, "crawl", "--no-notify").returncode == 0
    for article in site.articles():
        site.fault(article.id, "slow")  # the run lasts a few seconds
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    stop = threading.Event()
    killed = []

    def terminate() -> None:
        time.sleep(1.5)
        while not stop.is_set():
            with admin.connect() as conn:
                killed.extend(
                    conn.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a"),
                        {"a": app_name},
                    ).scalars()
                )
            time.sleep(0.05)

    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        result = palimpsest(config, "crawl", "--no-notify")
    finally:
        stop.set()
        killer.join()
        admin.dispose()
    assert any(killed), "no connection of the run was terminated"
    # The connections died under the run: it stops with one line naming the store.
    assert_store_failure(result, "127.0.0.1")
    for article in site.articles():
        site.fault(article.id, None)
    assert_recovers(config)


@pytest.mark.skipif(
    shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root and unshare for a private tmpfs"
)
def test_a_full_disk(site, tmp_path):
    """The store lives on a 3 MB tmpfs, mounted in a private namespace of the crawl alone."""
    mount = tmp_path / "small"
    mount.mkdir()
    config = tmp_path / "palimpsest.toml"
    write_config(config, site, f"sqlite:///{mount / 'p.db'}")
    site.listing_page_size = 10
    for article in site.articles():  # big pages fill the disk within the second run
        site.edit(article.id, body=[f"{article.id} paragraph {i} " + "x" * 2000 for i in range(150)])
    script = (
        f"mount -t tmpfs -o size=3m tmpfs {mount} && "
        f"{sys.executable} -m palimpsest --config {config} crawl --no-notify; rc=$?; "
        f"cp {mount}/p.db* {tmp_path}/ 2>/dev/null; exit $rc"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PALIMPSEST_DB", "PALIMPSEST_NOTIFY")}
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert_store_failure(result, "full")
    write_config(config, site, f"sqlite:///{tmp_path / 'p.db'}")  # what the full disk kept
    assert_recovers(config)
