"""The generic parser's body leaves out what is no part of the story. Pages are synthetic."""

from __future__ import annotations

from crawler.page import Page
from crawler.sites import parser_class

STORY = [
    "The council voted on Tuesday to close the old bridge to lorries from next spring.",
    "Engineers found cracks in two of its piers during an inspection last month.",
    "The mayor said a replacement would be designed by the end of the year.",
    "Residents who use the bridge every day said they had expected the decision for years.",
]


def body(extra: str, *, css: str = "story-body") -> tuple[str, ...]:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    html = (
        f"<html><head><title>Bridge closed</title></head><body><!-- synthetic -->"
        f"<article><h1>Bridge closed to lorries</h1><div class='{css}'>{paragraphs}"
        f"{extra}</div></article></body></html>"
    )
    return parser_class("generic")().parse_article(Page.from_text("https://example.org/news/2025/bridge", html)).body


def test_the_story_alone_is_read() -> None:
    assert body("") == tuple(STORY)


def test_hidden_overlays_teasers_bios_and_link_only_paragraphs_are_dropped() -> None:
    extra = (
        "<div class='lightbox' hidden><p>Subscribe to bookmark this article and read it later.</p></div>"
        "<div class='promo-wrapper'><p>From coffee to crosswords: ten ways to start the weekend well.</p></div>"
        "<section class='popular-articles'><h2>Popular</h2><p>A story everybody read yesterday about cats.</p>"
        "</section><div class='author-bio'><p>Jane Doe covers transport and city hall for the paper.</p></div>"
        "<p><strong><a href='/news/2'>MAYOR PROMISES NEW BUS LANES ACROSS THE CITY</a></strong></p>"
    )
    got = "\n".join(body(extra))
    assert got == "\n".join(STORY)


def test_a_link_inside_a_sentence_keeps_the_paragraph() -> None:
    extra = "<p>The full <a href='/report'>inspection report</a> was published on the council website.</p>"
    assert body(extra)[-1] == "The full inspection report was published on the council website."


def test_a_wrapper_with_a_teaser_class_word_keeps_the_story() -> None:
    # "related" on the element that holds the story itself must not take the story with it.
    assert body("", css="related-content") == tuple(STORY)
