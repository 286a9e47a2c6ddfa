"""Generic parser v6: a live blog's entries that the page publishes only as structured data
are added to the body; entries the page renders are never added twice (synthetic pages)."""

from __future__ import annotations

import json

from crawler.page import Page
from crawler.sites import parser_class
from crawler.sites.generic import missing_entries

URL = "https://lakeside-courier.example/2025/11/03/harbour-storm-live"
ENTRIES = [
    ("Ferries back by noon", "The operator says the first crossing will leave at noon if the wind keeps dropping."),
    ("Mayor: &ldquo;Stay off the pier&rdquo;", "The mayor asked everyone to keep away from the old pier at dawn."),
]


def _page(rendered: list[tuple[str, str]]) -> Page:
    """A synthetic live blog: every entry in its JSON-LD, the ``rendered`` ones in its HTML too."""
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Storm Closes the Harbour",
        "liveBlogUpdate": [{"@type": "BlogPosting", "headline": h, "articleBody": t} for h, t in ENTRIES],
    }
    entries = "".join(f"<section class='entry'><h2>{h}</h2><p>{t}</p></section>" for h, t in rendered)
    html = (
        f"<html><head><script type='application/ld+json'>{json.dumps(data)}</script></head><body><article>"
        "<h1>Storm Closes the Harbour</h1><p>A storm from the north closed the harbour on Monday morning, "
        f"stopping every ferry and fishing boat on the lake.</p>{entries}</article></body></html>"
    )
    return Page(url=URL, body=html.encode(), headers={"content-type": "text/html; charset=utf-8"})


def _bodies(page: Page) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(parser_class("generic", version=v)().parse_article(page).body for v in ("5", "6"))


def test_entries_the_page_renders_are_not_added_again() -> None:
    v5, v6 = _bodies(_page(ENTRIES))
    assert any("first crossing" in line for line in v5)  # the page itself has them
    assert v6 == v5


def test_only_the_entries_missing_from_the_page_are_added() -> None:
    v5, v6 = _bodies(_page(ENTRIES[:1]))
    assert v6[: len(v5)] == v5
    assert v6[len(v5) :] == ("Mayor: \u201cStay off the pier\u201d", ENTRIES[1][1])


def test_an_entry_counts_as_present_by_its_first_words() -> None:
    body = ("Intro.", "THE OPERATOR says the first crossing will leave at noon if the wind keeps dropping, later.")
    assert missing_entries(body, ((None, (ENTRIES[0][1],)),)) == ()
    assert missing_entries(body, (("New entry", ("Something else entirely happened.",)),)) == (
        "New entry",
        "Something else entirely happened.",
    )


def test_an_entry_written_as_html_or_lines_becomes_paragraphs_without_markup() -> None:
    from crawler.structured import _live_updates

    blog = {
        "@type": "LiveBlogPosting",
        "liveBlogUpdate": [
            {"articleBody": "<p>First &amp; foremost.</p><p>Then <a href='/x'>a link</a>.</p><script>x()</script>"},
            {"headline": "Two lines", "articleBody": "One line.\nAnother line.\n\n"},
            {"articleBody": "&lt;p&gt;Escaped twice.&lt;/p&gt;"},
            {"articleBody": "   "},
        ],
    }
    assert _live_updates([blog]) == (
        (None, ("First & foremost.", "Then a link.")),
        ("Two lines", ("One line.", "Another line.")),
        (None, ("Escaped twice.",)),
    )
