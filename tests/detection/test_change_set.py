"""The change set of an event: computed once by detection, stored with the event, and
what an alert, ``palimpsest diff`` and the review UI all show.

To prove the readers take the stored copy rather than computing their own, one test
overwrites it with a change set the versions do not have (synthetic) and checks that
all three show exactly that; another clears it, as on an event stored before the
column existed, and checks that all three fall back to the same computed answer.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from changes import ChangeSet, Content, HealthPolicy, Policy, classify_fetch, compare
from changes.records import Fetched, Reading
from detection import Archive
from notify.messages import render
from notify.outbox import event_view
from palimpsest.cli import main
from review import create_app
from store import changesets
from store.db import Store, downgrade, upgrade
from store.models import Alert, Event, Version
from store.writer import ArticleRef

URL = "https://charter97.org/en/news/2025/10/7/1/"  # a synthetic article
T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
OLD = Content.build(
    headline="Bridge opens",
    lead="The city opens its bridge.",
    body=["First paragraph.", "The mayor cut the ribbon at noon."],
)
NEW = Content.build(
    headline="Bridge opening delayed",
    lead="The city opens its bridge.",
    body=["First paragraph.", "The mayor postponed the ribbon cutting.", "Police closed the road."],
)


@pytest.fixture
def edited(store_url, monkeypatch):
    """A store where one article was edited once (two runs), and the CLI pointed at it."""
    store = Store(store_url).upgrade()
    archive = Archive(store, route=lambda _site, _kind: ["desk"])
    policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    for i, content in enumerate([OLD, NEW]):
        at = T0 + timedelta(hours=i)
        run = archive.start_run("c97", "charter97", now=at)
        archive.discover(run, [ArticleRef(URL)], now=at)
        body = f"<html><body><h1>{content.headline}</h1></body></html>".encode()
        fetched = Fetched(kind="article", url=URL, fetched_at=at, status=200, body=body)
        verdict = classify_fetch(status=200, error=None, headers={}, body=body, url=URL, final_url=None)
        archive.record(
            run,
            fetched,
            verdict,
            article_url=URL,
            reading=Reading(parser="charter97", parser_version="1", content=content),
        )
        archive.finish_run(run, policy=policy, health_policy=HealthPolicy(), now=at)
    monkeypatch.setenv("PALIMPSEST_DB", store_url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    yield store
    store.close()


def _edit_event(store: Store) -> Event:
    with store.reader() as s:
        return s.scalars(select(Event).where(Event.kind == "edited")).one()


def _shown_everywhere(store: Store, event_id: int) -> dict[str, object]:
    """The change kinds as the alert, ``palimpsest diff --json`` and the review page show them."""
    with store.reader() as s:
        view = event_view(s, event_id)
    message = render(view, "text")
    diff = json.loads(CliRunner().invoke(main, ["diff", URL, "--json"], catch_exceptions=False).output)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        page = client.get("/").text
        timeline = client.get(f"/articles/{view.article_id}").text
    return {
        "alert": sorted(view.changes),
        "alert_text": message.body,
        "diff": diff["changes"],
        "page": re.findall(r'<span class="labels">([^<]*)</span>', page),
        "timeline": re.findall(r'badge-edited">edited</span>\s*([^·<]*) ·', timeline),
        "removed": view.removed,
        "added": view.added,
    }


def test_detection_stores_the_change_set_it_computed(edited):
    event = _edit_event(edited)
    with edited.reader() as s:
        old, new = (Content.from_json(s.get(Version, v).content) for v in (event.from_version_id, event.to_version_id))
    expected = compare(old, new)
    assert event.change_set == expected.to_json()
    assert set(event.change_set["kinds"]) == {"headline", "body_changed"}
    # only the paragraphs that changed are stored, never the unchanged text again
    assert all(p["op"] != "equal" for p in event.change_set["paragraphs"])
    assert "First paragraph." not in json.dumps(event.change_set)
    assert ChangeSet.from_json(event.change_set) == ChangeSet(
        expected.kinds, tuple(op for op in expected.paragraphs if op.op != "equal")
    )


def test_alert_diff_and_review_page_show_the_stored_change_set(edited):
    event = _edit_event(edited)
    # Synthetic: a change set the versions do not have. A reader computing its own would miss it.
    planted = {
        "kinds": ["author", "tags"],
        "paragraphs": [{"op": "replace", "old": ["Planted old words."], "new": ["Planted new words."]}],
    }
    with edited.session() as s:
        s.execute(update(Event).where(Event.id == event.id).values(change_set=planted))
    shown = _shown_everywhere(edited, event.id)
    assert shown["alert"] == shown["diff"] == ["author", "tags"]
    assert "What changed: author, tags" in shown["alert_text"]
    assert shown["removed"] == ("Planted old words.",) and shown["added"] == ("Planted new words.",)
    assert shown["page"] == shown["timeline"] == ["author, tags"]


def test_an_event_stored_without_one_is_computed_on_read_the_same_everywhere(edited):
    event = _edit_event(edited)
    stored = event.change_set
    with edited.session() as s:  # as an event written before migration 0005 was
        s.execute(update(Event).where(Event.id == event.id).values(change_set=None))
    assert _edit_event(edited).change_set is None
    shown = _shown_everywhere(edited, event.id)
    assert shown["alert"] == shown["diff"] == stored["kinds"]
    assert shown["page"] == shown["timeline"] == ["paragraphs rewritten, headline"]
    with edited.reader() as s:
        assert changesets.of_event(s, _edit_event(edited)).to_json() == stored


def test_events_without_two_versions_have_no_change_set(edited):
    with edited.reader() as s:
        new = s.scalars(select(Event).where(Event.kind == "new")).one()
        assert new.change_set is None and changesets.of_event(s, new) is None


def test_diff_of_a_pair_without_an_event_is_computed(edited):
    data = json.loads(
        CliRunner().invoke(main, ["diff", URL, "--from", "2", "--to", "1", "--json"], catch_exceptions=False).output
    )
    assert data["changes"] == sorted(compare(NEW, OLD).kinds)


def test_migration_0005_keeps_old_events_readable(edited, store_url):
    """Down to 0004 (the column goes, events and alerts stay) and up again: the events
    come back without a stored change set, and readers compute the one detection stored."""
    event = _edit_event(edited)
    stored = event.change_set
    edited.engine.dispose()
    downgrade(store_url, "0004")
    upgrade(store_url)
    edited.engine.dispose()
    with edited.reader() as s:
        back = s.get(Event, event.id)
        assert back.change_set is None and back.kind == "edited"
        assert s.scalar(select(func.count()).select_from(Alert).where(Alert.event_id == event.id)) == 1
        assert changesets.of_event(s, back).to_json() == stored
    assert _shown_everywhere(edited, event.id)["diff"] == stored["kinds"]
