"""``palimpsest status``: per-site last run, health, errors, backlog and outbox; exit 1 when stale."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from changes import HealthPolicy, Outcome, Policy, Verdict
from changes.records import Fetched
from detection import Archive
from palimpsest.cli import main
from store.db import Store
from store.writer import ArticleRef

NOW = datetime.now(UTC)


def config_file(tmp_path, store_url: str) -> str:
    path = tmp_path / "palimpsest.toml"
    path.write_text(
        f'store = "{store_url}"\n'
        '[[sites]]\nname = "watched"\nparser = "generic"\nstart_urls = ["https://a.example/news/"]\n'
        '[[sites]]\nname = "forgotten"\nparser = "generic"\nstart_urls = ["https://b.example/news/"]\n'
    )
    return str(path)


def test_status_reports_each_site_and_fails_on_a_stale_one(tmp_path, store_url):
    store = Store(store_url).upgrade()
    archive = Archive(store, route=lambda _site, _kind: ["ops"])
    run = archive.start_run("watched", "generic", now=NOW - timedelta(minutes=20))
    urls = [f"https://a.example/news/{i}/" for i in range(3)]
    archive.discover(run, [ArticleRef(u) for u in urls], now=NOW - timedelta(minutes=20))
    fetched = Fetched(kind="article", url=urls[0], fetched_at=NOW - timedelta(minutes=19), status=503, body=b"")
    archive.record(run, fetched, Verdict(Outcome.TRANSIENT, "http 503"), article_url=urls[0])
    listing = Fetched(
        kind="listing",
        url="https://a.example/news/",
        fetched_at=NOW - timedelta(minutes=19),
        status=200,
        body=b"<html>links</html>",
    )
    archive.record(run, listing, Verdict(Outcome.OK, "http 200"))
    archive.finish_run(run, policy=Policy(), health_policy=HealthPolicy(), now=NOW - timedelta(minutes=18))
    store.close()

    runner = CliRunner()
    result = runner.invoke(main, ["--config", config_file(tmp_path, store_url), "status", "--json"])
    assert result.exit_code == 1, result.output  # "forgotten" never ran
    doc = json.loads(result.output)
    watched, forgotten = doc["sites"]
    assert watched["site"] == "watched" and not watched["stale"]
    assert watched["last_run"]["id"] == run and watched["last_run"]["status"] == "finished"
    assert watched["errors"]["transient"] == 1
    # Two never fetched, due since discovery; the failed one due again 15 min after it failed.
    assert watched["due"] == 3 and watched["oldest_overdue"]["url"] == urls[1]
    assert watched["oldest_overdue"]["overdue_s"] >= 20 * 60 - 5
    assert forgotten["stale"] and forgotten["last_run"] is None
    assert doc["ok"] is False

    only = tmp_path / "one.toml"
    only.write_text(
        config_file(tmp_path, store_url)
        and (tmp_path / "palimpsest.toml").read_text().split('[[sites]]\nname = "forgotten"')[0]
    )
    assert runner.invoke(main, ["--config", str(only), "status"]).exit_code == 0
    stale = runner.invoke(main, ["--config", str(only), "status", "--stale", "10m"])
    assert stale.exit_code == 1
    row = next(line for line in stale.output.splitlines() if line.startswith("watched"))
    assert row.split()[1] == "STALE", stale.output


def test_status_and_crawl_without_a_config_file_say_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    for command in ("status", "crawl"):
        result = CliRunner().invoke(main, [command])
        assert result.exit_code == 2 and "no config file found" in result.output, result.output
    assert list(tmp_path.iterdir()) == [], "a store was created without a config"
