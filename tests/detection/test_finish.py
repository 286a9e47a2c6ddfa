"""Finishing a run is detection's: the store's writer records, ``detection.finish_run`` judges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import finish_run
from store import writer
from store.db import Store
from store.models import Alert, Article, Event, Run

URL = "https://example.test/news/1/"  # synthetic
T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
POLICY = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))


def test_the_writer_records_and_detection_finishes(store_url):
    assert not hasattr(writer.Archive, "finish_run")  # the store keeps persistence only
    store = Store(store_url).upgrade()
    archive = writer.Archive(store)
    route = lambda site, kind: ["desk"] if kind == "edited" else []  # noqa: E731
    try:
        kinds = []
        for i, headline in enumerate(["Bridge opens", "Bridge opening delayed"]):
            at = T0 + timedelta(hours=i)
            run = archive.start_run("s", "p", now=at)
            archive.discover(run, [writer.ArticleRef(URL)], now=at)
            archive.lease_due(run, limit=5, now=at)
            body = b"<html><body><h1>x</h1></body></html>"
            verdict = classify_fetch(status=200, error=None, headers={}, body=body, url=URL, final_url=None)
            archive.record(
                run,
                Fetched(kind="article", url=URL, fetched_at=at, status=200, body=body),
                verdict,
                article_url=URL,
                reading=Reading(parser="p", parser_version="1", content=Content.build(headline=headline, body=["P."])),
            )
            result = finish_run(store, run, policy=POLICY, health_policy=HealthPolicy(), route=route, now=at)
            assert result.health.trusted and result.stats.pages == 1 and result.site == "s"
            with store.reader() as s:
                kinds += [s.get(Event, e).kind for e in result.events]
                assert s.get(Run, run).status == "finished"
                assert s.scalars(select(Article.lease_run_id)).one() is None
            again = finish_run(store, run, policy=POLICY, health_policy=HealthPolicy(), route=route, now=at)
            assert again.events == []  # idempotent: a finished run is only reported
        assert kinds == ["new", "edited"]
        with store.reader() as s:
            alerts = s.execute(select(Alert.destination, Event.kind).join(Event)).all()
            edit = s.scalars(select(Event).where(Event.kind == "edited")).one()
        assert [tuple(a) for a in alerts] == [("desk", "edited")]
        assert edit.change_set["kinds"] == ["headline"]
    finally:
        store.close()
