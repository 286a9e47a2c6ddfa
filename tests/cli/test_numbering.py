"""One numbering of versions everywhere (per article, from 1), and candidates marked as such."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from palimpsest.cli import main
from store.db import Store
from store.writer import ArticleRef

A = "https://charter97.org/en/news/2025/10/7/1/"
B = "https://charter97.org/en/news/2025/10/7/2/"
T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """Two articles crawled together (so row ids and per-article numbers differ); article A
    is edited once (confirmed by two captures), then shows a third text once (a candidate)."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    db = Store(url).upgrade()
    archive = Archive(db)
    policy = Policy(edit_confirmations=2, delete_confirmations=1, delete_min_age=timedelta(0))
    headlines = {A: ["A one", "A two", "A two", "A three"], B: ["B one", "B two", "B two", "B two"]}
    for i in range(4):
        at = T0 + timedelta(hours=i)
        run = archive.start_run("c97", "charter97", now=at)
        archive.discover(run, [ArticleRef(A), ArticleRef(B)], now=at)
        for article_url in (B, A):
            body = b"<html><body><h1>x</h1></body></html>"
            fetched = Fetched(kind="article", url=article_url, fetched_at=at, status=200, body=body)
            verdict = classify_fetch(status=200, error=None, headers={}, body=body, url=article_url, final_url=None)
            archive.record(run, fetched, verdict, article_url=article_url, reading=Reading(
                parser="charter97", parser_version="1",
                content=Content.build(headline=headlines[article_url][i], body=["Same."])))
        archive.finish_run(run, policy=policy, health_policy=HealthPolicy(), now=at)
    db.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALIMPSEST_DB", url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_changes_json_numbers_versions_like_history_and_diff(store):
    events = json.loads(run("changes", "--since", "2020-01-01", "--json"))["events"]
    edits = [(e["url"], e["from_version"], e["to_version"]) for e in events if e["kind"] == "edited"]
    assert sorted(edits) == [(A, 1, 2), (B, 1, 2)]
    history = json.loads(run("history", A, "--json"))
    assert [(e["kind"], e["from_version"], e["to_version"]) for e in history["events"]] \
        == [("new", None, 1), ("edited", 1, 2)]


def test_diff_marks_an_unconfirmed_candidate(store):
    data = json.loads(run("diff", A, "--json"))
    assert (data["old"], data["new"]) == (2, 3)
    assert data["candidates"] == [3]
    text = run("diff", A)
    assert "v3 (candidate, not confirmed)" in text
    confirmed = json.loads(run("diff", A, "--old", "1", "--new", "2", "--json"))
    assert confirmed["candidates"] == []
    assert "candidate" not in run("diff", A, "--old", "1", "--new", "2")
    versions = json.loads(run("history", A, "--json"))["versions"]
    assert [(v["seq"], v["confirmed"]) for v in versions] == [(1, True), (2, True), (3, False)]
