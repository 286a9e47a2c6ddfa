"""What the CLI prints for people carries no terminal control sequences from scraped text.

A headline with ``ESC[2J`` (clear screen), an OSC title sequence or U+202E (right-to-left
override) must reach the operator's terminal inert, in every human rendering; JSON
keeps the exact text, escaped so that a terminal showing it is not driven either.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from palimpsest.cli import main
from store.db import Store
from store.writer import ArticleRef

URL = "https://charter97.org/en/news/2025/10/7/1/"
T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
HOSTILE = "Bridge \x1b[2J\x1b]0;owned\x07opens \u202eon time\u202c \x9b31m\r\x08"
# Anything a terminal acts on: C0 (but newline and tab), DEL, C1, bidi overrides and isolates.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url).upgrade()
    archive = Archive(store)
    policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    for i, headline in enumerate(["Bridge opens", HOSTILE]):
        at = T0 + timedelta(hours=i)
        run = archive.start_run("c97", "charter97", now=at)
        archive.discover(run, [ArticleRef(URL)], now=at)
        body = b"<html><body><h1>x</h1></body></html>"
        fetched = Fetched(kind="article", url=URL, fetched_at=at, status=200, body=body)
        verdict = classify_fetch(status=200, error=None, headers={}, body=body, url=URL, final_url=None)
        archive.record(run, fetched, verdict, article_url=URL, reading=Reading(
            parser="charter97", parser_version="1", views=10,
            content=Content.build(headline=headline, body=[f"Paragraph {headline}"])))
        archive.finish_run(run, policy=policy, health_policy=HealthPolicy(), now=at)
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALIMPSEST_DB", url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    return url


@pytest.mark.parametrize("args", [["changes", "--since", "2020-01-01"], ["history", URL], ["diff", URL],
                                  ["alerts"]], ids=["changes", "history", "diff", "alerts"])
def test_human_output_is_inert(hostile_store, args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not CONTROL.findall(result.output), repr(result.output)
    if args[0] != "alerts":
        assert "Bridge" in result.output and "opens" in result.output  # the text itself is kept


@pytest.mark.parametrize("args", [["changes", "--since", "2020-01-01", "--json"], ["history", URL, "--json"],
                                  ["diff", URL, "--json"]], ids=["changes", "history", "diff"])
def test_json_keeps_the_exact_text_escaped(hostile_store, args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert not CONTROL.findall(result.output), repr(result.output)
    stored = Content.build(headline=HOSTILE, body=["x"]).headline
    assert "\x1b" in stored and "\u202e" in stored
    as_json = json.dumps(stored, ensure_ascii=False)[1:-1]  # the same escaping on both sides
    assert as_json in json.dumps(json.loads(result.output), ensure_ascii=False)
