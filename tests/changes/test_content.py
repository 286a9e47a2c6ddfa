"""Content: normalisation (noise filters as data), round trips and the stable digest.

The digest decides whether a capture is a new version: a change in the canonical form
would make every stored article look edited on its next capture, so it is pinned here.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.content import Content, clean_text

BASE: dict[str, Any] = {
    "headline": "Lukashenka pardons 52 prisoners",
    "lead": "Among them is a journalist.",
    "body": ["Minsk, 7 October.", "Хартыя: «вызвалілі»", "Third paragraph — with a dash."],
    "published": "2025-10-07T12:30:00+03:00",
    "published_raw": "7.10.2025, 12:30",
    "updated": None,
    "author": "Charter97",
    "tags": ["politics", "prisoners"],
    "image": "https://charter97.org/img/1.jpg",
    "videos": ["https://www.youtube.com/embed/abc"],
}
GOLDEN_CANONICAL = (
    '{"author":"Charter97","body":["Minsk, 7 October.","Хартыя: «вызвалілі»","Third paragraph — with a dash."],'
    '"headline":"Lukashenka pardons 52 prisoners","image":"https://charter97.org/img/1.jpg",'
    '"lead":"Among them is a journalist.","published":"2025-10-07T12:30:00+03:00",'
    '"published_raw":"7.10.2025, 12:30","tags":["politics","prisoners"],"updated":null,'
    '"videos":["https://www.youtube.com/embed/abc"]}'
)
GOLDEN_DIGEST = "7bf9d74fcd8f8d3af0eb1f499c651871b6d0893cbd2553bfb2b0899d7054f0dc"


def build(**changes: Any) -> Content:
    return Content.build(**{**BASE, **changes})


def test_digest_is_pinned() -> None:
    """Changing this breaks every stored article's version identity: migrate, never edit."""
    content = Content.build(**BASE)
    assert hashlib.sha256(GOLDEN_CANONICAL.encode("utf-8")).hexdigest() == GOLDEN_DIGEST
    assert content.digest == GOLDEN_DIGEST
    assert Content(headline="").digest == "4059f460786636a29838cdd26562dcc78358597226754bb21921f3f4652bf120"


# Noise filters: each row is a change a reader cannot see, which must leave the digest alone.
SAME = [
    ("nfc-headline", {"headline": "Caf\u00e9 owner arrested"}, {"headline": "Cafe\u0301 owner arrested"}),
    ("nfc-body", {"body": ["Caf\u00e9", "x"]}, {"body": ["Cafe\u0301", "x"]}),
    ("nfc-cyrillic-short-u", {"body": ["\u045e"]}, {"body": ["\u0443\u0306"]}),
    ("zero-width-space", {}, {"headline": "Lukashenka par\u200bdons 52 prisoners"}),
    ("zero-width-joiners", {}, {"lead": "Among\u200c them\u200d is a\u2060 journalist."}),
    ("byte-order-mark", {}, {"headline": "\ufeffLukashenka pardons 52 prisoners"}),
    ("soft-hyphen", {}, {"body": ["Minsk, 7 Octo\u00adber.", *BASE["body"][1:]]}),
    ("nbsp", {}, {"headline": "Lukashenka\u00a0pardons 52\u00a0prisoners"}),
    ("narrow-nbsp-and-thin-space", {}, {"lead": "Among\u202fthem\u2009is a journalist."}),
    ("whitespace-runs", {}, {"headline": "Lukashenka   pardons \t 52\nprisoners"}),
    ("crlf-in-body", {}, {"body": ["Minsk,\r\n7 October.", *BASE["body"][1:]]}),
    ("leading-trailing-space", {}, {"headline": "  Lukashenka pardons 52 prisoners \n", "author": " Charter97 "}),
    (
        "empty-paragraphs-dropped",
        {},
        {"body": ["", BASE["body"][0], "   ", "\u200b", BASE["body"][1], "\u00a0\n", BASE["body"][2], ""]},
    ),
    ("empty-tags-dropped", {}, {"tags": ["", "politics", " ", "prisoners"]}),
    ("tag-whitespace", {}, {"tags": [" politics", "prisoners\n"]}),
    ("empty-lead-is-none", {"lead": None}, {"lead": "  \u200b "}),
    ("empty-author-is-none", {"author": None}, {"author": ""}),
    ("empty-image-is-none", {"image": None}, {"image": ""}),
    ("no-videos", {"videos": []}, {"videos": None}),
    ("tuple-or-list", {"body": tuple(BASE["body"])}, {"body": list(BASE["body"])}),
]

# Real edits, however small: each must change the digest.
DIFFERENT = [
    ("one-letter-headline", {"headline": "Lukashenka pardons 53 prisoners"}),
    ("case", {"headline": "lukashenka pardons 52 prisoners"}),
    ("punctuation", {"lead": "Among them is a journalist!"}),
    ("one-letter-body", {"body": ["Minsk, 8 October.", *BASE["body"][1:]]}),
    ("cyrillic-lookalike", {"author": "Сharter97"}),  # Cyrillic С
    ("paragraph-split", {"body": ["Minsk,", "7 October.", *BASE["body"][1:]]}),
    ("paragraph-order", {"body": [BASE["body"][1], BASE["body"][0], BASE["body"][2]]}),
    ("paragraph-removed", {"body": BASE["body"][:2]}),
    ("lead-removed", {"lead": None}),
    ("published", {"published": "2025-10-06T12:30:00+03:00"}),
    ("published-raw", {"published_raw": "6.10.2025, 12:30"}),
    ("updated", {"updated": "2025-10-07T13:00:00+03:00"}),
    ("tags-order", {"tags": ["prisoners", "politics"]}),
    ("image", {"image": "https://charter97.org/img/2.jpg"}),
    ("video-added", {"videos": [*BASE["videos"], "https://www.youtube.com/embed/def"]}),
]


@pytest.mark.parametrize(("left", "right"), [r[1:] for r in SAME], ids=[r[0] for r in SAME])
def test_invisible_changes_keep_the_digest(left: dict[str, Any], right: dict[str, Any]) -> None:
    a, b = build(**left), build(**right)
    assert a == b
    assert a.digest == b.digest


@pytest.mark.parametrize("change", [r[1] for r in DIFFERENT], ids=[r[0] for r in DIFFERENT])
def test_real_changes_change_the_digest(change: dict[str, Any]) -> None:
    assert build(**change).digest != build().digest


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, None),
        ("", None),
        (" \u200b\u00a0\ufeff ", None),
        ("a\u00a0 \t\nb", "a b"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("x\u00ady", "xy"),
        ("  keep inner  punctuation ,  ", "keep inner punctuation ,"),
    ],
)
def test_clean_text(raw: str | None, clean: str | None) -> None:
    assert clean_text(raw) == clean


def test_clean_text_output_is_nfc_and_idempotent() -> None:
    raw = "Caf e\u200b\u0301".replace(" ", "")  # 'Cafe' + ZWSP + combining acute
    once = clean_text(raw)
    assert once == unicodedata.normalize("NFC", once)
    assert clean_text(once) == once
    assert Content.build(headline=raw).digest == Content.build(headline="Caf\u00e9").digest


def test_views_and_unknown_fields_are_refused() -> None:
    """Volatile numbers never make a version: they are not content fields at all."""
    for name in ("views", "comments", "url"):
        with pytest.raises(TypeError, match=name):
            Content.build(headline="x", **{name: 1})


def test_build_gives_tuples_and_keeps_dates_verbatim() -> None:
    content = build(published=" 2025-10-07T12:30:00+03:00")
    assert isinstance(content.body, tuple) and isinstance(content.tags, tuple)
    assert isinstance(content.videos, tuple)
    assert content.published == " 2025-10-07T12:30:00+03:00"  # dates are the parser's job
    assert Content.build(headline=None) == Content(headline="")


def test_json_round_trip() -> None:
    content = build()
    data = content.to_json()
    assert data["body"] == BASE["body"] and isinstance(data["tags"], list)
    again = Content.from_json(json.loads(json.dumps(data)))
    assert again == content
    assert again.digest == content.digest


def test_from_json_ignores_unknown_keys_and_fills_defaults() -> None:
    """Stored content from an older or newer release still loads."""
    content = Content.from_json({"headline": "h", "views": 12, "body": None})
    assert content == Content(headline="h")
    assert Content.from_json({"headline": "h", "body": ["a"]}).body == ("a",)


def test_content_is_frozen_and_hashable() -> None:
    content = build()
    with pytest.raises(AttributeError):
        content.headline = "x"  # type: ignore[misc]
    assert len({content, build()}) == 1


# Properties ------------------------------------------------------------------------------

# Text with the characters the filters care about, but no zero-width character next to a
# combining mark (that case is tested above).
_CHARS = st.sampled_from(list("ab Яў.,\n\t") + ["\u00a0", "\u200b", "\u00ad", "\ufeff", "\u00e9", "e\u0301"])
_TEXT = st.lists(_CHARS, max_size=12).map("".join)
_CONTENT = st.fixed_dictionaries(
    {
        "headline": _TEXT,
        "lead": st.none() | _TEXT,
        "body": st.lists(_TEXT, max_size=4),
        "published": st.none() | st.sampled_from(["2025-10-07T12:30:00+03:00", "2025-10-06T09:00:00+00:00"]),
        "published_raw": st.none() | _TEXT,
        "author": st.none() | _TEXT,
        "tags": st.lists(_TEXT, max_size=3),
        "image": st.none() | st.sampled_from(["", "https://x/1.jpg"]),
        "videos": st.lists(st.sampled_from(["https://v/1", "https://v/2"]), max_size=2),
    }
)


@settings(max_examples=60, deadline=None)
@given(values=_CONTENT)
def test_build_is_idempotent(values: dict[str, Any]) -> None:
    once = Content.build(**values)
    twice = Content.build(**once.to_json())
    assert twice == once
    assert twice.digest == once.digest
    assert Content.from_json(json.loads(json.dumps(once.to_json()))).digest == once.digest


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40))
def test_clean_text_never_leaves_edge_space_or_runs(text: str) -> None:
    cleaned = clean_text(text)
    if cleaned is not None:
        assert cleaned == cleaned.strip() and cleaned
        assert "  " not in cleaned
        assert not any(c in cleaned for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad")
