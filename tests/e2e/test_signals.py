"""SIGTERM stops a crawl: the run ends soon, the store stays consistent, the next run goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from localsite import LocalSite, make_articles
from palimpsest.cli import main

pytestmark = pytest.mark.slow


def write_config(tmp_path, site: LocalSite, **settings) -> None:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    (tmp_path / "palimpsest.toml").write_text(
        f'store = "sqlite:///{tmp_path / "p.db"}"\n[[sites]]\nname = "c97"\nparser = "charter97"\n'
        f'start_urls = {json.dumps(site.start_urls())}\nrecheck_min = "0s"\nrecheck_max = "0s"\n{extra}'
    )


def test_sigterm_stops_a_crawl_whose_pages_hang(tmp_path):
    site = LocalSite(make_articles(12, seed=2), listing_page_size=12).start()
    site.timeout_delay = 60.0  # every article holds its request for a minute
    try:
        write_config(tmp_path, site, timeout=50.0, concurrency=2)
        env = {**os.environ, "PALIMPSEST_CONFIG": str(tmp_path / "palimpsest.toml")}
        env.pop("PALIMPSEST_DB", None)
        first = subprocess.run(
            [sys.executable, "-m", "palimpsest", "crawl", "--no-notify"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
        assert first.returncode == 0, first.stderr[-2000:]
        for article in site.articles():
            site.fault(article.id, "timeout")
        crawl = subprocess.Popen(
            [sys.executable, "-m", "palimpsest", "crawl", "--no-notify"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(4)  # the run is open and its requests hang
        started = time.monotonic()
        crawl.send_signal(signal.SIGTERM)
        try:
            _out, err = crawl.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            crawl.kill()
            crawl.communicate()
            pytest.fail("the crawl did not stop within 20 s of SIGTERM")
        assert time.monotonic() - started < 20
        assert crawl.returncode != 0, "an interrupted crawl must not report success"
        assert b"Traceback" not in err, err[-2000:]

        for article in site.articles():
            site.fault(article.id, None)
        os.chdir(tmp_path)
        result = CliRunner().invoke(main, ["--config", str(tmp_path / "palimpsest.toml"), "verify"])
        assert result.exit_code == 0, result.output
        again = subprocess.run(
            [sys.executable, "-m", "palimpsest", "crawl", "--no-notify"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr[-2000:]
    finally:
        site.stop(grace=0.1)
