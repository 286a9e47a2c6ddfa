"""Alert rendering: every event kind in every format, trimming, links, and hostile scraped text."""

from __future__ import annotations

import html
from dataclasses import replace

import markdown
import pytest

from changes import EventKind
from notify.markup import FORMATS, md_escape
from notify.messages import MAX_PASSAGE_CHARS, EventView, render, title

BASE = "http://127.0.0.1:8080"
URL = "https://charter97.org/en/news/2025/3/1/600001/"


def view(kind: str, **overrides: object) -> EventView:
    values: dict[str, object] = {"event_id": 7, "site": "charter97-en", "kind": kind}
    if kind in ("parser_broken", "site_unreachable", "site_recovered", "mass_deletion"):
        values["details"] = {
            "reason": "none of 12 fetches answered normally",
            "stats": {"pages": 10, "ok": 0, "transient": 10, "gone": 0, "listings": 2},
        }
    else:
        values.update(
            article_id=3,
            url=URL,
            headline_old="Old headline",
            headline_new="New headline",
            published_old="2025-03-01T10:00:00+03:00",
            views=2422,
            comments=5,
        )
        if kind != "deleted":
            values["published_new"] = "2025-03-01T10:00:00+03:00"
    if kind in ("edited", "reverted", "restored"):
        values.update(
            changes=("headline", "body_removed", "body_added"),
            removed=("The police detained 40 people.",),
            added=("The police detained 4 people.",),
        )
    if kind == "deleted":
        values.update(
            headline_new=None,
            removed=("Lead of the story.", "First paragraph."),
            details={"reason": "http 404", "confirmations": 3, "gone_since": "2025-03-01T12:00:00+00:00"},
        )
    if kind == "restored":
        values["details"] = {"same_content": False}
    values.update(overrides)
    return EventView(**values)


def visible(body: str, fmt: str) -> str:
    """What a reader sees: HTML and Markdown rendered, then tags and entities dropped."""
    if fmt == "markdown":
        body = markdown.markdown(body)
    if fmt in ("markdown", "html"):
        import re

        body = html.unescape(re.sub(r"<[^>]+>", "", body))
    return body


ALL_KINDS = [k.value for k in EventKind]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_in_every_format(kind: str, fmt: str) -> None:
    message = render(view(kind, base_url=BASE), fmt, key="palimpsest-7-mail")
    assert message.fmt == fmt
    assert "\n" not in message.title and message.title
    seen = visible(message.body, fmt)
    assert "Palimpsest alert palimpsest-7-mail" in seen
    assert f"{BASE}/events/7" in message.body
    if kind in ("parser_broken", "site_unreachable", "site_recovered", "mass_deletion"):  # about a site
        assert "none of 12 fetches answered normally" in seen
        assert "transient 10" in seen
    else:
        assert URL in message.body
        assert f"{BASE}/articles/3" in message.body
        assert "2,422 views, 5 comments" in seen


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("new", "[charter97-en] New: New headline"),
        ("edited", "[charter97-en] Edited: New headline"),
        ("reverted", "[charter97-en] Reverted to an earlier version: New headline"),
        ("deleted", "[charter97-en] Deleted: Old headline"),
        ("restored", "[charter97-en] Restored: New headline"),
        ("parser_broken", "Parser broken: charter97-en"),
        ("site_unreachable", "Site unreachable: charter97-en"),
        ("site_recovered", "Site recovered: charter97-en"),
    ],
)
def test_titles(kind: str, expected: str) -> None:
    assert title(view(kind)) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_edit_shows_old_and_new_headline_and_passages(fmt: str) -> None:
    seen = visible(render(view("edited"), fmt).body, fmt)
    for text in (
        "Old headline: Old headline",
        "New headline: New headline",
        "The police detained 40 people.",
        "The police detained 4 people.",
        "What changed: headline, paragraphs removed, paragraphs added",
    ):
        assert text in seen


@pytest.mark.parametrize("fmt", FORMATS)
def test_deletion_shows_last_known_text_and_why(fmt: str) -> None:
    seen = visible(render(view("deleted"), fmt).body, fmt)
    assert "Last known headline: Old headline" in seen
    assert "http 404; gone since 2025-03-01T12:00:00+00:00; 3 consecutive checks" in seen
    assert "Lead of the story." in seen and "First paragraph." in seen


@pytest.mark.parametrize("fmt", FORMATS)
def test_passages_are_trimmed(fmt: str) -> None:
    long = "word " * 200
    removed = (long, "second", "third", "fourth", "fifth")
    seen = visible(render(view("edited", removed=removed, added=()), fmt).body, fmt)
    assert "… and 2 more paragraphs" in seen
    assert "fourth" not in seen and "third" in seen
    shown = next(line for line in seen.splitlines() if "word word" in line)
    assert len(shown.strip(" >").strip()) <= MAX_PASSAGE_CHARS
    assert shown.rstrip().endswith("…")


@pytest.mark.parametrize("fmt", FORMATS)
def test_backdating_says_moved_back(fmt: str) -> None:
    event = view(
        "edited",
        changes=("published_changed", "backdated"),
        removed=(),
        added=(),
        headline_old="Same",
        headline_new="Same",
        published_old="2025-03-02T10:00:00+03:00",
        published_new="2025-02-20T10:00:00+03:00",
    )
    seen = visible(render(event, fmt).body, fmt)
    assert "2025-03-02T10:00:00+03:00 → 2025-02-20T10:00:00+03:00 (moved back)" in seen
    assert "What changed: publication date moved back" in seen
    assert "Headline: Same" in seen


def test_no_review_links_without_base_url() -> None:
    for fmt in FORMATS:
        body = render(view("edited"), fmt).body
        assert "/events/" not in body and "Review" not in body


def test_restored_and_operator_notes() -> None:
    assert "Back online with changed content." in render(view("restored"), "text").body
    same = view("restored", details={"same_content": True}, changes=(), removed=(), added=())
    assert "Back online with the same content." in render(same, "text").body
    assert "held until it answers normally" in render(view("site_unreachable"), "text").body


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown message format"):
        render(view("edited"), "rtf")


# -- hostile scraped text ------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> [click me](http://evil.example/) **big** <img src=x onerror=alert(1)>'


def test_html_escapes_scraped_text() -> None:
    event = view("edited", headline_old=HOSTILE, headline_new="Fine", removed=(HOSTILE,), added=())
    body = render(event, "html").body
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body
    assert 'href="http://evil.example/"' not in body


def test_markdown_cannot_inject_html_links_or_formatting() -> None:
    event = view(
        "edited", headline_old=HOSTILE, headline_new="Fine", removed=(HOSTILE, "- item\n# head"), added=("1. first",)
    )
    rendered = markdown.markdown(render(event, "markdown").body)
    assert "<script" not in rendered and "<img" not in rendered
    assert "evil.example" in rendered and 'href="http://evil.example/"' not in rendered
    assert "<strong>big</strong>" not in rendered
    assert "<ul>" not in rendered and "<ol>" not in rendered and "<h1>" not in rendered
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in rendered


@pytest.mark.parametrize(
    "text", ["a_b*c", "[x](y)", "`code`", "<b>", "# h", "1. x", "&lt;", "a|b~c", "\\", "- x", "+ x", "2) y", "== x"]
)
def test_md_escape_renders_literally(text: str) -> None:
    rendered = markdown.markdown(md_escape(text))
    assert html.unescape(rendered.removeprefix("<p>").removesuffix("</p>")) == text


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_http_links(fmt: str) -> None:
    body = render(view("edited", url="javascript:alert(1)"), fmt).body
    assert 'href="javascript' not in body and "](javascript" not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_and_bidi_characters_are_dropped(fmt: str) -> None:
    event = view("edited", headline_old="ok\x1b[31mred\u202egnp.exe\r\nInjected: line", headline_new="x")
    body = render(event, fmt).body
    assert "\x1b" not in body and "\u202e" not in body and "\r" not in body
    assert "Injected: line" in body
    assert "\nInjected" not in body


def test_title_is_one_safe_line() -> None:
    event = view("edited", headline_new="<b>Bold</b>\nsecond line " + "x" * 300)
    text = title(event)
    assert "\n" not in text and "<" not in text and ">" not in text
    assert text.startswith("[charter97-en] Edited: ‹b›Bold‹/b› second line")
    assert len(text) < 200 and text.endswith("…")


def test_event_view_is_plain_and_frozen() -> None:
    event = view("edited")
    with pytest.raises(AttributeError):
        event.kind = "deleted"  # type: ignore[misc]
    assert replace(event, kind="deleted").kind == "deleted"
