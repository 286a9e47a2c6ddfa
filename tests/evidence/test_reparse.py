"""reparse: the current parser re-reads stored raw pages; nothing is written, no edit invented."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from crawler.items import ArticleItem
from crawler.sites.base import ParseError, SiteParser
from evidence.reparse import reparse
from evidence.verify import verify
from tests.support.evidence import ARTICLE_A, rows

if TYPE_CHECKING:
    from crawler.page import Page


class TinyParser(SiteParser):
    """Reads the test pages the way the stored readings were made."""

    name = "tiny"
    version = "2"
    seen: ClassVar[list[Page]] = []

    def parse_article(self, page: Page) -> ArticleItem:
        self.seen.append(page)
        headline = page.selector.css("h1::text").get()
        if not headline:
            raise ParseError("no headline")
        return ArticleItem(
            url=page.url,
            headline=headline,
            body=tuple(page.selector.css("div.text p::text").getall()),
            views=int(page.selector.css(".views::text").get()),
            **self.extra(page),
        )

    def extra(self, page: Page) -> dict:
        return {}


class Enriching(TinyParser):
    def extra(self, page: Page) -> dict:
        return {"author": "Staff reporter", "tags": ("politics",)}


class Drifting(TinyParser):
    def parse_article(self, page: Page) -> ArticleItem:
        item = super().parse_article(page)
        return ArticleItem(url=item.url, headline=item.headline.upper(), body=())


class Volatile(TinyParser):
    """Wrongly reads the view count into the headline once it passes 20."""

    def parse_article(self, page: Page) -> ArticleItem:
        item = super().parse_article(page)
        if item.views > 20:
            return ArticleItem(url=item.url, headline=f"{item.headline} ({item.views})", body=item.body)
        return item


class Failing(TinyParser):
    def parse_article(self, page: Page) -> ArticleItem:
        raise ParseError("no headline")


class Crashing(TinyParser):
    def parse_article(self, page: Page) -> ArticleItem:
        raise RuntimeError("bug")


def using(cls: type[SiteParser]):
    return lambda _site, _name: cls()


def snapshot_rows(store) -> list:
    return [
        rows(store, f"SELECT * FROM {table} ORDER BY 1") for table in ("versions", "captures", "events", "blobs")
    ]  # captures: ledger and metrics too


def test_the_same_parser_reads_the_same_content(filled) -> None:
    TinyParser.seen.clear()
    report = reparse(filled, make_parser=using(TinyParser))
    assert dict(report.counts) == {"same": 3}
    assert report.ok and not report.findings
    page = TinyParser.seen[0]  # rebuilt from the raw response blob
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.status == 200 and page.url == ARTICLE_A
    assert page.body.startswith(b"<!doctype html>")


def test_a_field_only_the_new_parser_reads_is_no_edit(filled) -> None:
    report = reparse(filled, make_parser=using(Enriching))
    assert dict(report.counts) == {"enriched": 3}
    assert report.ok
    assert report.enriched_fields == {"author": 3, "tags": 3}
    assert {f.status for f in report.findings} == {"enriched"}
    assert report.findings[0].fields == {"author": "added", "tags": "added"}
    assert report.findings[0].old_parser == "tiny/1" and report.findings[0].new_parser == "tiny/2"


def test_a_changed_or_lost_field_is_a_discrepancy_for_a_human(filled) -> None:
    report = reparse(filled, make_parser=using(Drifting))
    assert dict(report.counts) == {"differs": 3}
    assert not report.ok
    finding = report.discrepancies[0]
    assert finding.fields == {"headline": "changed", "body": "lost"}
    assert finding.details["headline"] == {"old": "Minister resigns", "new": "MINISTER RESIGNS"}


def test_unreadable_and_crashing_pages_are_reported(filled) -> None:
    assert dict(reparse(filled, make_parser=using(Failing)).counts) == {"unreadable": 3}
    report = reparse(filled, make_parser=using(Crashing))
    assert dict(report.counts) == {"error": 3}
    assert "RuntimeError: bug" in report.findings[0].details["message"]


def test_all_captures_finds_a_parser_that_reads_one_version_differently(filled) -> None:
    assert dict(reparse(filled, make_parser=using(TinyParser), all_captures=True).counts) == {"same": 3}
    # First captures: A v1 at 10 views reads the same; A v2 at 55 views does not.
    assert dict(reparse(filled, make_parser=using(Volatile)).counts) == {"same": 2, "differs": 1}
    # Every capture: A v1's recaptures at 25 and 40 views read differently too. One
    # verdict per version, the worst of its captures.
    report = reparse(filled, make_parser=using(Volatile), all_captures=True)
    assert dict(report.counts) == {"same": 1, "differs": 2}


def test_reparse_writes_nothing(filled) -> None:
    before = snapshot_rows(filled)
    for cls in (TinyParser, Enriching, Drifting, Failing):
        reparse(filled, make_parser=using(cls), all_captures=True)
    assert snapshot_rows(filled) == before
    assert verify(filled).ok


def test_site_filter_and_the_registry(filled) -> None:
    assert not reparse(filled, site="elsewhere", make_parser=using(TinyParser)).counts
    # Through the registry: the generic parser reads the stored pages in its own way.
    report = reparse(filled, parser_name="generic")
    assert sum(report.counts.values()) == 3
    assert all(f.new_parser == "generic/1" for f in report.findings)


def test_max_findings(filled) -> None:
    report = reparse(filled, make_parser=using(Drifting), max_findings=1)
    assert len(report.findings) == 1 and report.more_findings == 2
    assert report.to_json()["more_findings"] == 2
