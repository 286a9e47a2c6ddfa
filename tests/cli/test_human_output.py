"""Human output: times to the minute in UTC (marked), no ``vNone``, one table style; --json unchanged."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from palimpsest.cli import main
from palimpsest.commands.queries import _versions
from palimpsest.terminal import span, version, when
from store.db import Store
from store.writer import ArticleRef

URL = "https://charter97.org/en/news/2025/10/7/1/"
T0 = datetime(2025, 10, 7, 12, 5, 42, 829828, tzinfo=UTC)
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
SECONDS = re.compile(r"\d\d:\d\d:\d\d")
MINUTE_UTC = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture
def archived(tmp_path, monkeypatch):
    """Synthetic: one article read, edited, then answering 404, each run an hour apart."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url).upgrade()
    archive = Archive(store)
    policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    for i, headline in enumerate(["Bridge opens", "Bridge opening delayed", None]):
        at = T0 + timedelta(hours=i)
        run = archive.start_run("c97", "charter97", now=at)
        archive.discover(run, [ArticleRef(URL)], now=at)
        status = 404 if headline is None else 200
        body = f"<html><body><h1>{headline}</h1></body></html>".encode()
        fetched = Fetched(kind="article", url=URL, fetched_at=at, status=status, body=body)
        verdict = classify_fetch(status=status, error=None, headers={}, body=body, url=URL, final_url=None)
        reading = (
            None
            if headline is None
            else Reading(
                parser="charter97",
                parser_version="1",
                views=10 + i,
                content=Content.build(headline=headline, body=["Same paragraph."]),
            )
        )
        archive.record(run, fetched, verdict, article_url=URL, reading=reading)
        archive.finish_run(run, policy=policy, health_policy=HealthPolicy(min_pages=1), now=at)
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALIMPSEST_DB", url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    return url


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_when_is_to_the_minute_in_utc_marked_as_such():
    assert when(T0) == "2025-10-07 12:05 UTC"
    assert when("2025-10-07T15:05:42.1+03:00") == "2025-10-07 12:05 UTC"
    assert when(datetime(2025, 10, 7, 23, 59, tzinfo=timezone(timedelta(hours=-5)))) == "2025-10-08 04:59 UTC"
    assert when(datetime(2025, 10, 7, 12, 5)) == "2025-10-07 12:05 UTC"  # naive: the store's UTC
    assert when(None) == "never" and when(None, never="—") == "—"
    assert (version(None), version(3)) == ("—", "v3")
    assert [span(s) for s in (0, 45, 1234, 3600, 187_200.4)] == ["0s", "45s", "20m 34s", "1h", "2d 4h"]


@pytest.mark.parametrize(
    "args", [["history", URL], ["changes", "--since", "2025-10-01"], ["show", URL, "--version", "1"]]
)
def test_human_times_are_minutes_in_utc(archived, args):
    text = run(*args)
    assert MINUTE_UTC.search(text), text
    assert not ISO_TIME.search(text), text  # no raw ISO timestamps
    assert not SECONDS.search(text), text  # nor seconds, nor microseconds
    assert "None" not in text, text


def test_history_names_versions_without_vnone(archived):
    text = run("history", URL)
    assert "vNone" not in text
    lines = text.splitlines()
    new = next(line for line in lines if " new " in f" {line} ")
    assert "→ v1" in new
    edited = next(line for line in lines if "edited" in line)
    assert "v1 → v2" in edited
    # A deletion names the version that went, an operator event none.
    assert _versions({"from_version": 2, "to_version": None}) == "v2"
    assert _versions({"from_version": None, "to_version": None}) == ""
    assert _versions({"from_version": 3, "to_version": 1}) == "v3 → v1"


def test_every_table_has_the_same_style(archived):
    """A header row, then a rule of box-drawing dashes (rich's SIMPLE_HEAD), no frame."""
    for args in (["history", URL], ["changes", "--since", "2025-10-01"]):
        lines = run(*args).splitlines()
        rules = [i for i, line in enumerate(lines) if line.strip() and set(line.strip()) <= {"─", " "}]
        assert rules, lines
        for i in rules:
            assert lines[i - 1].split()[0] in ("event", "version", ""), lines[i - 1]
        assert not any(ch in "".join(lines) for ch in "│┃┌└╭╰"), lines


def test_json_keeps_full_iso_times_and_null_versions(archived):
    history = json.loads(run("history", URL, "--json"))
    assert [(e["kind"], e["from_version"], e["to_version"]) for e in history["events"]][0] == ("new", None, 1)
    assert datetime.fromisoformat(history["events"][0]["at"]) == T0
    changes = json.loads(run("changes", "--since", "2025-10-01", "--json"))
    assert datetime.fromisoformat(changes["since"]) == datetime(2025, 10, 1, tzinfo=UTC)
    assert {"id", "kind", "at", "site", "url", "headline", "from_version", "to_version", "details"} <= set(
        changes["events"][0]
    )


def _documented_keys() -> dict[str, list[str]]:
    text = (Path(__file__).parents[2] / "docs" / "json.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+)[^`]*` \| (.*) \|$", text, flags=re.M)
    return {command: re.findall(r"`([a-z_]+)`", keys) for command, keys in rows}


def test_the_json_documents_are_as_documented(archived):
    documented = _documented_keys()
    for args in (["history", URL], ["changes", "--since", "2025-10-01"], ["show", URL], ["diff", URL]):
        assert list(json.loads(run(*args, "--json"))) == documented[args[0]], args
