"""`scrapy crawl SITE` from the project root uses the same spiders, store and rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import Store
from store.models import Capture, Event

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_scrapy_crawl_site_archives_it(local_site, tmp_path):
    db = tmp_path / "p.db"
    config = tmp_path / "palimpsest.toml"
    config.write_text(
        f'store = "sqlite:///{db}"\n[[sites]]\nname = "local97"\nparser = "charter97"\n'
        f"start_urls = {local_site.start_urls()!r}\nlisting_pages = 1\n".replace("'", '"')
    )
    env = {**os.environ, "PALIMPSEST_CONFIG": str(config)}
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.stdout.split() == ["local97"], listed.stderr
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "local97", "-L", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    store = Store(f"sqlite:///{db}").upgrade()
    with store.reader() as s:
        articles = s.scalar(select(func.count()).where(Capture.kind == "article", Capture.outcome == "ok"))
        new = s.scalar(select(func.count()).where(Event.kind == "new"))
    store.close()
    assert articles == new == len(local_site.articles())
