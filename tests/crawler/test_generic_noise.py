"""The generic parser's body leaves out what is no part of the story. Pages are synthetic."""

from __future__ import annotations

import pytest

from crawler.page import Page
from crawler.sites import ParseError, parser_class
from crawler.sites.generic import is_furniture_name

VERSIONS = pytest.mark.parametrize("version", ["4", "5"])

STORY = [
    "The council voted on Tuesday to close the old bridge to lorries from next spring.",
    "Engineers found cracks in two of its piers during an inspection last month.",
    "The mayor said a replacement would be designed by the end of the year.",
    "Residents who use the bridge every day said they had expected the decision for years.",
]


def body(extra: str, *, css: str = "story-body", version: str = "4", after: str = "") -> tuple[str, ...]:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    html = (
        f"<html><head><title>Bridge closed</title></head><body><!-- synthetic -->"
        f"<article><h1>Bridge closed to lorries</h1><div class='{css}'>{paragraphs}"
        f"{extra}</div></article>{after}</body></html>"
    )
    parser = parser_class("generic", version=version)()
    return parser.parse_article(Page.from_text("https://example.org/news/2025/bridge", html)).body


@VERSIONS
def test_the_story_alone_is_read(version: str) -> None:
    assert body("", version=version) == tuple(STORY)


@VERSIONS
def test_hidden_overlays_teasers_bios_and_link_only_paragraphs_are_dropped(version: str) -> None:
    extra = (
        "<div class='lightbox' hidden><p>Subscribe to bookmark this article and read it later.</p></div>"
        "<div class='promo-wrapper'><p>From coffee to crosswords: ten ways to start the weekend well.</p></div>"
        "<section class='popular-articles'><h2>Popular</h2><p>A story everybody read yesterday about cats.</p>"
        "</section><div class='author-bio'><p>Jane Doe covers transport and city hall for the paper.</p></div>"
        "<p><strong><a href='/news/2'>MAYOR PROMISES NEW BUS LANES ACROSS THE CITY</a></strong></p>"
    )
    got = "\n".join(body(extra, version=version))
    assert got == "\n".join(STORY)


@VERSIONS
def test_a_link_inside_a_sentence_keeps_the_paragraph(version: str) -> None:
    extra = "<p>The full <a href='/report'>inspection report</a> was published on the council website.</p>"
    assert body(extra, version=version)[-1] == "The full inspection report was published on the council website."


@VERSIONS
def test_a_wrapper_with_a_teaser_class_word_keeps_the_story(version: str) -> None:
    # "related" on the element that holds the story itself must not take the story with it.
    assert body("", css="related-content", version=version) == tuple(STORY)


# -- v5: guards that keep a page's own text (v4 lost it on pages of other kinds) ------

# Reader comments after the story: more paragraph text than the story itself.
COMMENTS = (
    "<section class='comment-list'>"
    + (
        "<div class='comment-body'><p>I drive a lorry over that bridge every morning and I had noticed the"
        " cracks myself last winter, long before anybody from the council came to look at them.</p></div>" * 4
    )
    + "</section>"
)


@pytest.mark.parametrize(
    ("name", "furniture"),
    [
        ("most-popular", True),
        ("td_module_related_posts", True),
        ("relatedPost", True),
        ("relatedstories", True),
        ("author-bio", True),
        ("promo-box", True),
        ("newsletter", True),
        ("node-promoted", False),  # Drupal: the node is promoted to the front page
        ("tag-biopolitik", False),
        ("tag-kontrolliert-biologische-tierhaltung", False),
        ("author-biography", True),
        ("biologie-unterricht", False),
        ("story-body", False),
    ],
)
def test_class_words_match_whole_parts_of_a_name(name: str, furniture: bool) -> None:
    assert is_furniture_name(name) is furniture


def test_a_state_class_on_the_story_element_keeps_the_story() -> None:
    # "node-promoted" holds "promo" inside a longer word: no teaser block.
    assert body("", css="story-body node-promoted", after=COMMENTS, version="5") == tuple(STORY)
    with pytest.raises(ParseError):  # v4 dropped the story, the comments are no body
        body("", css="story-body node-promoted", after=COMMENTS, version="4")


def test_a_taxonomy_class_on_the_story_element_keeps_the_story() -> None:
    # "category-newsletter" is a whole class word, but on the element that holds the main text.
    css = "entry category-newsletter tag-popular"
    assert body("", css=css, after=COMMENTS, version="5") == tuple(STORY)
    with pytest.raises(ParseError):
        body("", css=css, after=COMMENTS, version="4")


def test_a_real_teaser_block_still_goes_beside_a_guarded_story() -> None:
    teaser = "<div class='related-posts'><p>Ten walks along the river for a sunny weekend in the city.</p></div>"
    got = body(teaser, css="entry category-newsletter", after=COMMENTS, version="5")
    assert got == tuple(STORY)


def test_gallery_items_shown_one_at_a_time_are_kept() -> None:
    # A gallery shows its items one at a time: all but the first are display:none.
    items = [
        "First, the river walk: three kilometres of towpath with benches every few hundred metres.",
        "Second, the old mill, now a museum of the town's weaving trade, open on weekends.",
        "Third, the allotments behind the station, where the growers sell vegetables on Saturdays.",
        "Fourth, the lock keeper's cottage, which serves tea and cake from April to October.",
    ]
    hide = ["", *[" style='display: none'"] * (len(items) - 1)]
    sections = "".join(
        f"<div class='gallery-item'{hide[i]}><h2>Stop {i + 1}</h2><p>{text}</p></div>" for i, text in enumerate(items)
    )
    html = (
        "<html><head><title>Four stops</title></head><body><!-- synthetic --><h1>Four stops on a town walk</h1>"
        f"<div class='gallery'>{sections}</div><div class='lightbox' hidden><p>Sign in to save this walk.</p></div>"
        "</body></html>"
    )
    page = Page.from_text("https://example.org/walks/four-stops", html)
    got = "\n".join(parser_class("generic", version="5")().parse_article(page).body)
    assert all(text in got for text in items)
    assert "Sign in to save this walk." not in got  # the overlay, of no series, still goes
    v4 = "\n".join(parser_class("generic", version="4")().parse_article(page).body)
    assert items[1] not in v4


def test_a_closed_overlay_still_goes_beside_visible_paragraphs() -> None:
    overlay = "<div class='lightbox' style='display:none'><p>Sign in to bookmark this article.</p></div>"
    assert body(overlay, version="5") == tuple(STORY)


def test_a_list_of_links_is_the_content_of_a_link_list_page() -> None:
    links = [
        ("https://news.example/a", "Council closes the old bridge to lorries"),
        ("https://news.example/b", "Ferry to the island runs again after the storm"),
        ("https://news.example/c", "New bus lanes planned across the city centre"),
    ]
    entries = "".join(
        f"<li><p class='link'><a href='{url}'>{title}</a></p><p class='source'>via City News</p></li>"
        for url, title in links
    )
    html = (
        "<html><head><title>Links of the day</title></head><body><!-- synthetic --><h1>Links of the day</h1>"
        f"<div class='entry-content'><p>What we read today, collected by hand.</p><ul>{entries}</ul></div>"
        "</body></html>"
    )
    page = Page.from_text("https://blog.example/2025/01/23/links", html)
    got = "\n".join(parser_class("generic", version="5")().parse_article(page).body)
    assert all(title in got for _, title in links)
    v4 = "\n".join(parser_class("generic", version="4")().parse_article(page).body)
    assert not any(title in v4 for _, title in links)
