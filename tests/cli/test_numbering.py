"""One numbering of versions everywhere (per article, from 1), and candidates marked as such."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from changes import Content
from palimpsest.cli import main

A = "https://charter97.org/en/news/2025/10/7/1/"
B = "https://charter97.org/en/news/2025/10/7/2/"


@pytest.fixture
def store(crawled_store):
    """Two articles crawled together (so row ids and per-article numbers differ); article A
    is edited once (confirmed by two captures), then shows a third text once (a candidate)."""
    headlines = {A: ["A one", "A two", "A two", "A three"], B: ["B one", "B two", "B two", "B two"]}
    crawled_store(
        [
            {
                article_url: (Content.build(headline=headlines[article_url][i], body=["Same."]), None)
                for article_url in (B, A)
            }
            for i in range(4)
        ],
        edit_confirmations=2,
    )


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_changes_json_numbers_versions_like_history_and_diff(store):
    events = json.loads(run("changes", "--since", "2020-01-01", "--json"))["events"]
    edits = [(e["url"], e["from_version"], e["to_version"]) for e in events if e["kind"] == "edited"]
    assert sorted(edits) == [(A, 1, 2), (B, 1, 2)]
    history = json.loads(run("history", A, "--json"))
    assert [(e["kind"], e["from_version"], e["to_version"]) for e in history["events"]] == [
        ("new", None, 1),
        ("edited", 1, 2),
    ]


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
