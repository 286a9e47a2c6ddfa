"""Per-group field coverage and per-article parse degradation in the writer, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import Archive
from store.db import Store
from store.models import Event, Run
from store.writer import ArticleRef

T0 = datetime(2025, 10, 7, 14, 5, tzinfo=UTC)
EAGER = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
HEALTH = HealthPolicy(broken_share=0.5, min_pages=4)
LONG = [
    "A first paragraph that is long enough to be a real body of text, " * 4,
    "and a second one, just as long and just as ordinary, for the test. " * 4,
]


def url(group: str, n: int) -> str:
    return f"https://example.org/{group}/news/2025/10/7/{n}/"


@pytest.fixture
def archive(store_url):
    store = Store(store_url).upgrade()
    yield Archive(store, route=lambda site, kind: ["desk"])
    store.close()


def crawl(archive: Archive, at: datetime, pages: dict[str, tuple[str, list[str], tuple[str, ...]]]) -> list[str]:
    """One run: url -> (headline, body, missing promised fields). Returns the events' kinds."""
    run = archive.start_run("site", "test", now=at)
    archive.discover(run, [ArticleRef(u) for u in pages], now=at)
    for u, (headline, body, missing) in pages.items():
        html = f"<html><body><h1>{headline}</h1>{''.join(body)}</body></html>".encode()
        fetched = Fetched(
            kind="article",
            url=u,
            fetched_at=at,
            status=200,
            body=html,
            response_headers=(("Content-Type", "text/html"),),
        )
        verdict = classify_fetch(status=200, error=None, headers=fetched.headers, body=html, url=u, final_url=None)
        reading = Reading(
            parser="test",
            parser_version="1",
            content=Content.build(headline=headline, body=body),
            missing_fields=missing,
            group=u.split("/")[3],
        )
        archive.record(run, fetched, verdict, article_url=u, reading=reading)
    result = archive.finish_run(run, policy=EAGER, health_policy=HEALTH, now=at)
    with archive.store.reader() as s:
        return [s.get(Event, e).kind for e in result.events]


def events(archive: Archive, kind: str) -> list[Event]:
    with archive.store.reader() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_a_group_whose_coverage_drops_is_held_and_told_once(archive):
    # 4 English and 6 Russian pages: the English ones alone stay under broken_share.
    normal = {url(g, n): (f"{g} story {n}", LONG, ()) for g, count in (("en", 4), ("ru", 6)) for n in range(count)}
    assert sorted(set(crawl(archive, T0, normal))) == ["new"]
    # The English edition relaunches: its pages lose the date and read differently.
    # Meanwhile a Russian article is really edited.
    relaunched = {
        u: ((h, ["Relaunch chrome", *b], ("published",)) if "/en/" in u else (h, b, ()))
        for u, (h, b, _) in normal.items()
    }
    relaunched[url("ru", 0)] = ("ru story 0, corrected", LONG, ())
    assert sorted(crawl(archive, T0 + timedelta(hours=1), relaunched)) == ["edited", "parser_broken"]
    [broken] = events(archive, "parser_broken")
    assert broken.details["groups"] == {"en": ["published"]}
    assert "4 of 4 pages lack it" in broken.details["reason"]
    # Still relaunched: held, and not told again. Then the old markup returns: nothing.
    assert crawl(archive, T0 + timedelta(hours=2), relaunched) == []
    relaunched[url("ru", 0)] = ("ru story 0, corrected", LONG, ())
    recovered = {**normal, url("ru", 0): relaunched[url("ru", 0)]}
    assert crawl(archive, T0 + timedelta(hours=3), recovered) == []
    with archive.store.reader() as s:
        held = [r.stats["held_groups"] for r in s.scalars(select(Run).order_by(Run.id))]
    assert held == [{}, {"en": ["published"]}, {"en": ["published"]}, {}]


def test_a_read_that_lost_a_field_or_most_of_the_body_is_no_edit(archive):
    one = url("en", 1)
    crawl(archive, T0, {one: ("Story", LONG, ())})
    # Views gone (a promised field the last capture had): a degradation, held.
    assert crawl(archive, T0 + timedelta(hours=1), {one: ("Story", ["Changed by a bad read"] + LONG, ("views",))}) == []
    # Most of the body gone, every field read: a fragment, held too.
    assert crawl(archive, T0 + timedelta(hours=2), {one: ("Story", ["Only a teaser."], ())}) == []
    # A real edit read with every field: alerted.
    assert crawl(archive, T0 + timedelta(hours=3), {one: ("Story", [*LONG, "An added paragraph."], ())}) == ["edited"]
