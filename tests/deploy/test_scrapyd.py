"""A real Scrapyd runs the workers: the project's egg deployed to it, three runs of one site
scheduled through its HTTP API against the local site and a real PostgreSQL store."""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from localsite import LocalSite, free_port, make_articles
from store.db import Store
from store.models import Capture, Event, Run
from tests.support.crawls import assert_store_consistent, entry_for, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


def api(base: str, endpoint: str, **form: str) -> dict:
    data = urllib.parse.urlencode(form).encode() if form else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=data, timeout=30) as answer:
        doc = json.loads(answer.read())
    assert doc.get("status") == "ok", doc
    return doc


def scrapyd_conf(workdir: Path, port: int) -> None:
    """deploy/scrapyd.conf as shipped, but on a free port and with its folders in ``workdir``."""
    conf = configparser.ConfigParser()
    conf.read(ROOT / "deploy" / "scrapyd.conf")
    assert conf["scrapyd"]["bind_address"] == "127.0.0.1"
    conf["scrapyd"].update(
        http_port=str(port),
        eggs_dir=str(workdir / "eggs"),
        logs_dir=str(workdir / "logs"),
        dbs_dir=str(workdir / "dbs"),
    )
    with (workdir / "scrapyd.conf").open("w") as out:
        conf.write(out)


def test_scrapyd_runs_three_workers_of_a_site_each_article_once(postgres_url, tmp_path):
    site = LocalSite(make_articles(40, seed=31), listing_page_size=40).start()
    store = Store(postgres_url).upgrade()
    config = write_config(tmp_path / "palimpsest.toml", postgres_url, entry_for(site, concurrency=4, lease_batch=6))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = tmp_path / "scrapyd"
    workdir.mkdir()
    scrapyd_conf(workdir, port)
    env = {**os.environ, "PALIMPSEST_CONFIG": str(config), "PATH": f"{BIN}:{os.environ['PATH']}"}
    with (workdir / "scrapyd.out").open("wb") as out:
        daemon = subprocess.Popen(
            [str(BIN / "scrapyd")], cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                assert daemon.poll() is None and time.monotonic() < deadline, (workdir / "scrapyd.out").read_text()
                time.sleep(0.2)

        built = subprocess.run(
            [str(ROOT / "deploy" / "build-egg"), str(tmp_path / "dist")],
            cwd=ROOT,
            env={**env, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert built.returncode == 0, built.stderr
        egg = built.stdout.strip()
        deployed = subprocess.run(
            [str(BIN / "scrapyd-deploy"), "workers", "-p", "palimpsest", "--egg", egg],
            cwd=ROOT,
            env={**env, "SCRAPYD_URL": base + "/"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert deployed.returncode == 0 and '"status": "ok"' in deployed.stdout, deployed.stdout + deployed.stderr
        assert api(base, "listspiders.json?project=palimpsest")["spiders"] == ["c97"]

        # One round as the image's scheduler (and the cron line) starts it: three runs of each
        # site through the entrypoint and deploy/schedule-runs, then delivery of the outbox.
        round_ = subprocess.run(
            ["sh", str(ROOT / "deploy" / "entrypoint.sh"), "schedule-loop"],
            cwd=tmp_path,
            env={
                **env,
                "ONCE": "1",
                "WORKERS": "3",
                "SCRAPYD_URL": base,
                "PALIMPSEST_BIN": str(BIN / "palimpsest"),
                "SCHEDULE_RUNS_BIN": str(ROOT / "deploy" / "schedule-runs"),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert round_.returncode == 0 and not round_.stderr, round_.stderr
        jobs = re.findall(r"^c97: job (\w+)$", round_.stdout, re.MULTILINE)
        assert len(jobs) == 3, round_.stdout
        deadline = time.monotonic() + 180
        while True:
            listed = api(base, "listjobs.json?project=palimpsest")
            if {j["id"] for j in listed["finished"]} >= set(jobs):
                break
            assert time.monotonic() < deadline, listed
            time.sleep(0.5)

        logs = {job: next((workdir / "logs").rglob(f"{job}.log")).read_text(errors="replace") for job in jobs}
        for log in logs.values():
            assert "Spider closed (finished)" in log and "] ERROR:" not in log, log[-3000:]

        paths = {a.path for a in site.articles()}
        hits = Counter(a.path for a in site.access_log if a.path in paths)
        assert len(hits) == len(paths) and set(hits.values()) == {1}, hits.most_common(3)
        with store.reader() as s:
            runs = s.execute(select(Run.id, Run.status, Run.health)).all()
            per_article = Counter(s.scalars(select(Capture.article_id).where(Capture.kind == "article")))
            events = Counter(s.execute(select(Event.article_id, Event.kind)).all())
        assert [(r.status, r.health) for r in runs] == [("finished", "ok")] * 3
        assert len(per_article) == len(paths) and set(per_article.values()) == {1}
        assert Counter(kind for _, kind in events) == {"new": len(paths)}
        assert set(events.values()) == {1}, "an event appeared twice"
        assert_store_consistent(store)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        store.close()
        site.stop()
