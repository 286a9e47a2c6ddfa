"""word_diff() and render_text(): the difference as people read it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.content import Content
from changes.diff import render_text, word_diff

WORDS = [
    # (old, new, marked)
    ("same text", "same text", "same text"),
    ("a b c", "a x c", "a [-b-]{+x+} c"),
    ("a b c", "a b c d", "a b c{+ d+}"),
    ("a b c d", "a b d", "a b [-c -]d"),
    ("", "new", "{+new+}"),
    ("old", "", "[-old-]"),
    ("52 prisoners pardoned", "53 prisoners pardoned", "[-52-]{+53+} prisoners pardoned"),
    ("Лукашэнка памілаваў 52", "Лукашэнка памілаваў 53", "Лукашэнка памілаваў [-52-]{+53+}"),
    # Spaces never anchor a match, so words align (and a reorder keeps one run whole).
    ("one two three", "three two one", "{+three two +}one[- two three-]"),
    ("52 prisoners were pardoned", "53 prisoners pardoned today", "[-52-]{+53+} prisoners [-were -]pardoned{+ today+}"),
]


@pytest.mark.parametrize(("old", "new", "marked"), WORDS)
def test_word_diff(old: str, new: str, marked: str) -> None:
    assert word_diff(old, new) == marked


_ADDED = re.compile(r"\{\+(.*?)\+\}", re.DOTALL)
_REMOVED = re.compile(r"\[-(.*?)-\]", re.DOTALL)


def new_side(marked: str) -> str:
    return _ADDED.sub(r"\1", _REMOVED.sub("", marked))


def old_side(marked: str) -> str:
    return _REMOVED.sub(r"\1", _ADDED.sub("", marked))


# No brackets or braces in the text, so the marks can be read back unambiguously.
_TEXT = st.text(alphabet=st.sampled_from(list("ab cЯ-+.\n\t")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(old=_TEXT, new=_TEXT)
def test_word_diff_never_loses_text(old: str, new: str) -> None:
    marked = word_diff(old, new)
    assert new_side(marked) == new
    assert old_side(marked) == old
    if old == new:
        assert marked == old


BODY = tuple(f"Paragraph {i}." for i in range(10))


def content(**values: object) -> Content:
    return Content.build(**{"headline": "Protest in Minsk", "body": list(BODY), **values})


def with_paragraph(index: int, text: str) -> list[str]:
    body = list(BODY)
    body[index] = text
    return body


def test_no_difference() -> None:
    assert render_text(content(), content()) == "(no difference)"
    # Invisible differences are gone once the content is built.
    assert render_text(content(), content(headline="Protest\u00a0in Minsk\u200b")) == "(no difference)"


def test_headline_only_has_no_body_section() -> None:
    assert render_text(content(), content(headline="Riot in Minsk")) == "headline: [-Protest-]{+Riot+} in Minsk"


def test_similar_paragraph_is_word_marked_and_the_rest_elided() -> None:
    text = render_text(content(), content(body=with_paragraph(5, "Paragraph 5b.")))
    assert text.splitlines() == [
        "body:",
        "  … 4 unchanged",
        "  Paragraph 4.",
        "~ Paragraph [-5.-]{+5b.+}",
        "  Paragraph 6.",
        "  … 3 unchanged",
    ]


def test_rewritten_paragraph_is_shown_whole() -> None:
    text = render_text(content(), content(body=with_paragraph(0, "Something else entirely, in new words.")))
    assert text.splitlines() == [
        "body:",
        "- Paragraph 0.",
        "+ Something else entirely, in new words.",
        "  Paragraph 1.",
        "  … 8 unchanged",
    ]


def test_added_and_removed_paragraphs() -> None:
    added = render_text(content(), content(body=[*BODY, "Added at the end."]))
    assert added.splitlines() == ["body:", "  … 9 unchanged", "  Paragraph 9.", "+ Added at the end."]
    removed = render_text(content(), content(body=[p for p in BODY if p != "Paragraph 3."]))
    assert removed.splitlines() == [
        "body:",
        "  … 2 unchanged",
        "  Paragraph 2.",
        "- Paragraph 3.",
        "  Paragraph 4.",
        "  … 5 unchanged",
    ]


def test_more_context() -> None:
    text = render_text(content(), content(body=with_paragraph(5, "Paragraph 5b.")), context=2)
    assert text.splitlines() == [
        "body:",
        "  … 3 unchanged",
        "  Paragraph 3.",
        "  Paragraph 4.",
        "~ Paragraph [-5.-]{+5b.+}",
        "  Paragraph 6.",
        "  Paragraph 7.",
        "  … 2 unchanged",
    ]


def test_short_equal_runs_are_not_elided() -> None:
    """An elision that would hide fewer paragraphs than it costs is not made."""
    body = with_paragraph(1, "Paragraph 1b.")
    body[3] = "Paragraph 3b."
    text = render_text(content(), content(body=body))
    assert text.splitlines() == [
        "body:",
        "  Paragraph 0.",
        "~ Paragraph [-1.-]{+1b.+}",
        "  Paragraph 2.",
        "~ Paragraph [-3.-]{+3b.+}",
        "  Paragraph 4.",
        "  … 5 unchanged",
    ]


def test_context_zero_elides_all_unchanged_paragraphs() -> None:
    text = render_text(content(), content(body=with_paragraph(5, "Paragraph 5b.")), context=0)
    assert text.splitlines()[:2] == ["body:", "  … 5 unchanged"]
    assert text.splitlines()[-1] == "  … 4 unchanged"


def test_fields_with_lists_and_none() -> None:
    old = content(lead=None, tags=["politics"], author="Charter97")
    new = content(lead="A new lead.", tags=["politics", "protest"], author=None)
    assert render_text(old, new).splitlines() == [
        "lead:",
        "  - (none)",
        "  + A new lead.",
        "author:",
        "  - Charter97",
        "  + (none)",
        "tags:",
        "  - politics",
        "  + politics, protest",
    ]


def test_dates_are_word_marked() -> None:
    text = render_text(
        content(published="2025-10-07T12:30:00+03:00", published_raw="7.10.2025, 12:30"),
        content(published="2025-10-06T12:30:00+03:00", published_raw="6.10.2025, 12:30"),
    )
    assert text.splitlines() == [
        "published: [-2025-10-07T12:30:00+03:00-]{+2025-10-06T12:30:00+03:00+}",
        "published_raw: [-7.10.2025,-]{+6.10.2025,+} 12:30",
    ]


_PARAS = st.lists(st.sampled_from(["a", "b", "c d", "Ў"]), max_size=6)


@settings(max_examples=60, deadline=None)
@given(old=_PARAS, new=_PARAS, headline=st.sampled_from(["h", "h2"]), context=st.integers(1, 3))
def test_render_text_says_no_difference_iff_equal(old: list[str], new: list[str], headline: str, context: int) -> None:
    a, b = Content.build(headline="h", body=old), Content.build(headline=headline, body=new)
    text = render_text(a, b, context=context)
    assert (text == "(no difference)") is (a == b)
    # Every paragraph that changed is named on a marked line.
    marked = "\n".join(line for line in text.splitlines() if line[:2] in ("- ", "+ ", "~ "))
    for paragraph in set(a.body) ^ set(b.body):
        assert paragraph in marked or f"{{+{paragraph}" in marked or f"[-{paragraph}" in marked
