"""Parser versions by capture date, through the store: a relaunch that an old parser
misread, a fixed version valid from the relaunch, a reparse that finds the versions it
reads differently, and a rebuild that invents no edit. Pages are synthetic."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from changes import HealthPolicy, Outcome, Policy, Verdict
from crawler import sites
from crawler.items import ArticleItem
from crawler.page import Page
from crawler.reading import reading_of
from crawler.sites.base import ParseError, SiteParser
from detection import Archive
from evidence.rebuild import rebuild
from evidence.reparse import reparse
from evidence.verify import verify
from palimpsest.app import App
from palimpsest.commands.evidence import reparse_command
from palimpsest.config import Config
from store.writer import ArticleRef
from tests.support.evidence import Filler, rows

NAME = "relaunch-test"
URL = "https://example.org/news/7"
RELAUNCH = date(2025, 10, 8)
BEFORE = datetime(2025, 10, 7, 9, 0, tzinfo=UTC)
AFTER = datetime(2025, 10, 8, 9, 0, tzinfo=UTC)
PARAS = ["The minister resigned on Tuesday.", "Parliament meets again next week."]
POLICY = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))


def page(at: datetime, *, relaunched: bool) -> bytes:
    """Synthetic page. After the relaunch a date line, new on every fetch, sits in the text."""
    dateline = f"<p class='dateline'>Updated {at:%d.%m.%Y, %H:%M}</p>" if relaunched else ""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        f"<!doctype html><html><head><title>Minister resigns</title></head><body><!-- synthetic -->"
        f"<article><h1>Minister resigns</h1><div class='text'>{dateline}{body}</div>"
        f"<span class='views'>{at.minute + 1}</span></article></body></html>"
    ).encode()


class Launch(SiteParser):
    """Version 1: every paragraph of the text block (right until the relaunch)."""

    name = NAME
    version = "1"

    def canonical_url(self, url: str) -> str | None:
        return url

    def read_article(self, page: Page) -> ArticleItem:
        headline = page.selector.css("h1::text").get()
        if not headline:
            raise ParseError("no headline")
        return ArticleItem(
            url=page.url,
            headline=headline,
            body=tuple(self.paragraphs(page)),
            views=int(page.selector.css(".views::text").get()),
        )

    def paragraphs(self, page: Page) -> list[str]:
        return page.selector.css("div.text p::text").getall()


class Relaunch(Launch):
    """Version 2, from the relaunch day: the new date line is no part of the text."""

    version = "2"
    valid_from = RELAUNCH

    def paragraphs(self, page: Page) -> list[str]:
        return page.selector.css("div.text p:not(.dateline)::text").getall()


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test family in a copy of the registry, gone after the test."""
    sites.available()
    monkeypatch.setattr(sites, "_registry", {k: list(v) for k, v in sites._registry.items()})
    sites.register(Relaunch)
    sites.register(Launch)  # any order: the registry sorts by date


class Crawl(Filler):
    """Captures read the way the crawler reads them, with the version of the fetch day."""

    def __post_init__(self) -> None:
        self.archive = Archive(self.store, route=lambda _site, _kind: ("ops",))
        self.run_id = self.archive.start_run(self.site, NAME, now=self.clock)

    def capture(self, at: datetime, *, relaunched: bool, parser: SiteParser | None = None) -> int:
        self.clock = at
        self.archive.discover(self.run_id, [ArticleRef(URL)], now=at)
        parser = parser or sites.parser_class(NAME)().for_capture(at)
        fetched = self.fetched(URL, page(at, relaunched=relaunched), framing="plain")
        item = parser.parse_article(Page(url=URL, body=fetched.body, headers={"content-type": "text/html"}))
        capture = SimpleNamespace(
            fetched=fetched,
            article_url=URL,
            article=item,
            parser=parser.name,
            parser_version=parser.version,
            parse_error=None,
            not_found=False,
        )
        return self.archive.record(
            self.run_id, fetched, Verdict(Outcome.OK, "ok"), article_url=URL, reading=reading_of(capture, parser)
        )

    def finish(self) -> list[int]:
        result = self.archive.finish_run(
            self.run_id, policy=POLICY, health_policy=HealthPolicy(), now=self.clock + timedelta(minutes=1)
        )
        self.run_id = self.archive.start_run(self.site, NAME, now=self.clock + timedelta(minutes=2))
        return result.events


def kinds(store) -> list[str]:
    return [kind for (kind,) in rows(store, "SELECT kind FROM events ORDER BY id")]


@pytest.fixture
def flooded(store, versions):
    """Before the fix: the relaunched pages were read by version 1, every recapture an 'edit'."""
    crawl = Crawl(store)
    old = sites.parser_class(NAME, version="1")()
    crawl.capture(BEFORE, relaunched=False)
    crawl.finish()
    for hours in (0, 2, 4):
        crawl.capture(AFTER + timedelta(hours=hours), relaunched=True, parser=old)
        crawl.finish()
    assert kinds(store) == ["new", "edited", "edited", "edited"]  # the flood being repaired
    return crawl


def test_the_registry_picks_the_version_of_the_capture_date(versions) -> None:
    assert [c.version for c in sites.versions_of(NAME)] == ["1", "2"]
    assert sites.parser_class(NAME, BEFORE) is Launch
    assert sites.parser_class(NAME, AFTER) is Relaunch
    assert sites.parser_class(NAME, datetime(2025, 10, 7, 23, 59, 59, tzinfo=UTC)) is Launch
    assert sites.parser_class(NAME, date(1990, 1, 1)) is Launch  # older than any: the first
    assert sites.parser_class(NAME) is Relaunch  # a crawl today
    assert sites.parser_class(f"{NAME}/1") is Launch and sites.parser_class(NAME, version="2") is Relaunch
    with pytest.raises(KeyError, match="no version '3'"):
        sites.parser_class(NAME, version="3")


def test_two_versions_must_differ_in_version_and_date(versions) -> None:
    same_day = type("SameDay", (Launch,), {"version": "9", "valid_from": RELAUNCH})
    same_version = type("SameVersion", (Launch,), {"version": "2", "valid_from": date(2026, 1, 1)})
    with pytest.raises(ValueError, match="both valid from 2025-10-08"):
        sites.register(same_day)
    with pytest.raises(ValueError, match="version '2' is registered twice"):
        sites.register(same_version)


def test_another_version_keeps_the_site_configuration(versions) -> None:
    from zoneinfo import ZoneInfo

    configured = Relaunch(ZoneInfo("Europe/Minsk"), expects=("headline", "views"), article_urls="/news/")
    older = configured.for_capture(BEFORE)
    assert type(older) is Launch and older.label == f"{NAME}/1"
    assert (older.timezone, older.expects, older.article_urls.pattern) == (
        ZoneInfo("Europe/Minsk"),
        ("headline", "views"),
        "/news/",
    )
    assert configured.for_capture(AFTER) is configured


def test_reparse_reads_each_capture_with_the_version_of_its_date(flooded) -> None:
    report = reparse(flooded.store)
    # The first version (before the relaunch) reads the same; the three relaunched ones
    # lose the date line they should never have had.
    assert dict(report.counts) == {"same": 1, "differs": 3}
    assert {f.new_parser for f in report.findings} == {f"{NAME}/2"}
    assert all(f.old_parser == f"{NAME}/1" and f.fields == {"body": "changed"} for f in report.findings)
    # Forcing the old version shows nothing to change: it is what made them.
    assert dict(reparse(flooded.store, parser_name=f"{NAME}/1").counts) == {"same": 4}


def test_rebuild_invents_no_edit_and_the_fixed_crawl_alerts_nothing(flooded) -> None:
    store = flooded.store
    before = {t: rows(store, f"SELECT * FROM {t} ORDER BY id") for t in ("captures", "events", "alerts")}
    result = rebuild(store, reparse(store, keep_readings=True))
    # All three relaunched readings are the pre-relaunch content: one version, reused.
    assert (result.created, result.reused, result.articles) == (0, 3, 1)
    assert set(result.mapping.values()) == {1}
    assert {t: rows(store, f"SELECT * FROM {t} ORDER BY id") for t in before} == before
    assert rows(store, "SELECT current_version_id, pending_version_id FROM articles") == [(1, None)]
    assert verify(store).ok
    # The crawl goes on with version 2: no edit, no revert, no alert.
    for hours in (6, 8):
        flooded.capture(AFTER + timedelta(hours=hours), relaunched=True)
        assert flooded.finish() == []
    assert kinds(store) == ["new", "edited", "edited", "edited"]


def test_without_a_rebuild_the_fixed_parser_would_be_alerted(flooded) -> None:
    """The control: the alert the rebuild prevents."""
    flooded.capture(AFTER + timedelta(hours=6), relaunched=True)
    flooded.finish()
    assert kinds(flooded.store)[-1] in ("edited", "reverted")


def test_a_rebuilt_reading_new_to_the_article_is_a_version_marked_with_its_parser(store, versions) -> None:
    crawl = Crawl(store)
    old = sites.parser_class(NAME, version="1")()
    crawl.capture(AFTER, relaunched=True, parser=old)  # first seen after the relaunch, misread
    crawl.finish()
    result = rebuild(store, reparse(store, keep_readings=True))
    assert (result.created, result.reused) == (1, 0)
    [(parser, version, seq, first_capture, content)] = rows(
        store, "SELECT parser, parser_version, seq, first_capture_id, content FROM versions WHERE id = 2"
    )
    assert (parser, version, seq, first_capture) == (NAME, "2", 2, 1)
    assert (json.loads(content) if isinstance(content, str) else content)["body"] == PARAS
    assert rows(store, "SELECT current_version_id FROM articles") == [(2,)]
    assert kinds(store) == ["new"]
    # Idempotent: a second rebuild finds the version it made.
    again = rebuild(store, reparse(store, keep_readings=True))
    assert (again.created, again.reused, again.articles) == (0, 1, 0)


def test_the_command_rebuilds_and_says_so(flooded) -> None:
    config = Config(store_url=flooded.store.url, sites=())
    obj = App(config=config, store=flooded.store)  # what every command gets through pass_app
    result = CliRunner().invoke(
        reparse_command, ["--parser", f"{NAME}/2", "--rebuild", "--json"], obj=obj, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["versions"] == {"same": 1, "differs": 3}
    assert report["rebuilt"]["reused"] == 3 and report["rebuilt"]["created"] == 0
    result = CliRunner().invoke(reparse_command, ["--parser", f"{NAME}/7"], obj=obj)
    assert result.exit_code == 1 and "has no version '7'" in result.output
