"""compare(): every kind of change, as a table, and the paragraph operations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.compare import ChangeSet, Kind, ParagraphOp, compare, paragraph_ops
from changes.content import Content

K = Kind
OLD: dict[str, Any] = {
    "headline": "Protest in Minsk",
    "lead": "Hundreds gathered.",
    "body": ["One.", "Two.", "Three."],
    "published": "2025-10-07T12:30:00+03:00",
    "published_raw": "7.10.2025, 12:30",
    "updated": None,
    "author": "Charter97",
    "tags": ["politics"],
    "image": "https://x/1.jpg",
    "videos": [],
}

CASES = [
    # (id, changes to OLD, expected kinds)
    ("nothing", {}, set()),
    ("invisible-only", {"headline": "Protest\u00a0in  Minsk\u200b"}, set()),
    ("headline", {"headline": "Riot in Minsk"}, {K.HEADLINE}),
    ("lead-changed", {"lead": "Thousands gathered."}, {K.LEAD}),
    ("lead-added", {"lead": None}, {K.LEAD}),
    ("body-added-at-end", {"body": ["One.", "Two.", "Three.", "Four."]}, {K.BODY_ADDED}),
    ("body-added-in-middle", {"body": ["One.", "One and a half.", "Two.", "Three."]}, {K.BODY_ADDED}),
    ("body-removed", {"body": ["One.", "Three."]}, {K.BODY_REMOVED}),
    ("body-all-removed", {"body": []}, {K.BODY_REMOVED}),
    ("body-changed", {"body": ["One.", "Two!", "Three."]}, {K.BODY_CHANGED}),
    ("body-changed-and-added", {"body": ["Uno.", "Two.", "Three.", "Four."]}, {K.BODY_CHANGED, K.BODY_ADDED}),
    ("body-reordered", {"body": ["Three.", "One.", "Two."]}, {K.BODY_ADDED, K.BODY_REMOVED}),
    ("backdated", {"published": "2025-10-06T12:30:00+03:00"}, {K.PUBLISHED_CHANGED, K.BACKDATED}),
    ("moved-forward", {"published": "2025-10-08T12:30:00+03:00"}, {K.PUBLISHED_CHANGED}),
    # 10:00Z is 13:00 in Minsk: later, although "10" sorts before "12" as text.
    ("forward-in-another-offset", {"published": "2025-10-07T10:00:00+00:00"}, {K.PUBLISHED_CHANGED}),
    ("backdated-in-another-offset", {"published": "2025-10-07T09:00:00Z"}, {K.PUBLISHED_CHANGED, K.BACKDATED}),
    ("published-removed", {"published": None}, {K.PUBLISHED_CHANGED}),
    ("published-unparseable", {"published": "yesterday"}, {K.PUBLISHED_CHANGED}),
    ("published-naive-vs-aware", {"published": "2025-10-01T12:30:00"}, {K.PUBLISHED_CHANGED}),
    ("updated", {"updated": "2025-10-07T14:00:00+03:00"}, {K.UPDATED_CHANGED}),
    ("author", {"author": "Viasna"}, {K.AUTHOR}),
    ("tags", {"tags": ["politics", "protest"]}, {K.TAGS}),
    ("image", {"image": "https://x/2.jpg"}, {K.IMAGE}),
    ("image-removed", {"image": None}, {K.IMAGE}),
    ("videos", {"videos": ["https://v/1"]}, {K.VIDEOS}),
    (
        "many-at-once",
        {"headline": "Riot in Minsk", "body": ["One."], "author": None, "published": "2025-01-01T00:00:00+03:00"},
        {K.HEADLINE, K.BODY_REMOVED, K.AUTHOR, K.PUBLISHED_CHANGED, K.BACKDATED},
    ),
]


def content(**changes: Any) -> Content:
    return Content.build(**{**OLD, **changes})


@pytest.mark.parametrize(("changes", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kinds(changes: dict[str, Any], kinds: set[Kind]) -> None:
    old, new = content(), content(**changes)
    result = compare(old, new)
    assert isinstance(result, ChangeSet)
    assert result.kinds == frozenset(kinds)
    assert bool(result) is bool(kinds)
    assert (old.digest == new.digest) is (not kinds)


def test_backdating_the_other_way_is_not_backdating() -> None:
    early, late = content(published="2025-10-06T12:30:00+03:00"), content()
    assert Kind.BACKDATED in compare(late, early).kinds
    assert Kind.BACKDATED not in compare(early, late).kinds


def test_no_change_is_empty_and_falsy() -> None:
    result = compare(content(), content())
    assert not result
    assert result.kinds == frozenset()
    assert result.added == [] and result.removed == []
    assert result.paragraphs == (ParagraphOp("equal", ("One.", "Two.", "Three."), ("One.", "Two.", "Three.")),)


@pytest.mark.parametrize(
    ("new_body", "ops", "added", "removed"),
    [
        (
            ["One.", "Two.", "Three.", "Four."],
            [("equal", ["One.", "Two.", "Three."], ["One.", "Two.", "Three."]), ("insert", [], ["Four."])],
            ["Four."],
            [],
        ),
        (
            ["One.", "Three."],
            [("equal", ["One."], ["One."]), ("delete", ["Two."], []), ("equal", ["Three."], ["Three."])],
            [],
            ["Two."],
        ),
        (
            ["One.", "2.", "Three."],
            [("equal", ["One."], ["One."]), ("replace", ["Two."], ["2."]), ("equal", ["Three."], ["Three."])],
            ["2."],
            ["Two."],
        ),
        ([], [("delete", ["One.", "Two.", "Three."], [])], [], ["One.", "Two.", "Three."]),
    ],
)
def test_paragraph_ops(
    new_body: list[str], ops: list[tuple[str, list[str], list[str]]], added: list[str], removed: list[str]
) -> None:
    result = compare(content(), content(body=new_body))
    assert result.paragraphs == tuple(ParagraphOp(op, tuple(a), tuple(b)) for op, a, b in ops)
    assert result.added == added
    assert result.removed == removed


def test_repeated_paragraphs_are_not_junk() -> None:
    """A body of many identical short paragraphs ("Photo.") must still diff exactly."""
    photos = ("Photo.",) * 100
    ops = paragraph_ops((*photos, "Caption one.", *photos), (*photos, "Caption two.", *photos))
    assert ops == [
        ParagraphOp("equal", photos, photos),
        ParagraphOp("replace", ("Caption one.",), ("Caption two.",)),
        ParagraphOp("equal", photos, photos),
    ]


def test_published_raw_change_is_a_change() -> None:
    old, new = content(), content(published_raw="7 October 2025, 12:30")
    assert old.digest != new.digest
    assert compare(old, new)


# Property: a ChangeSet is empty exactly when the digests are equal ------------------------
# (published_raw has its own test above.)

_TEXT = st.sampled_from(["", "a", "b", "a b", "Ў"])
_CONTENT = st.builds(
    Content.build,
    headline=_TEXT,
    lead=st.none() | _TEXT,
    body=st.lists(_TEXT, max_size=4),
    published=st.none() | st.sampled_from(["2025-10-07T12:30:00+03:00", "2025-10-07T09:00:00Z", "x"]),
    updated=st.none() | st.sampled_from(["2025-10-08T00:00:00+03:00"]),
    author=st.none() | _TEXT,
    tags=st.lists(_TEXT, max_size=2),
    image=st.none() | st.sampled_from(["https://x/1.jpg"]),
    videos=st.lists(st.sampled_from(["https://v/1"]), max_size=1),
)


@settings(max_examples=60, deadline=None)
@given(old=_CONTENT, new=_CONTENT)
def test_changeset_is_empty_iff_same_digest(old: Content, new: Content) -> None:
    result = compare(old, new)
    assert bool(result) is (old.digest != new.digest)
    # Reversed, the same fields changed (the body ops may align differently; backdating aside).
    body = {Kind.BODY_ADDED, Kind.BODY_REMOVED, Kind.BODY_CHANGED}
    reverse = compare(new, old).kinds
    assert reverse - body - {Kind.BACKDATED} == result.kinds - body - {Kind.BACKDATED}
    assert bool(reverse & body) is bool(result.kinds & body)
    assert not (Kind.BACKDATED in result.kinds and Kind.BACKDATED in compare(new, old).kinds)
    # The paragraph ops rebuild both bodies.
    assert tuple(p for op in result.paragraphs for p in op.old) == old.body
    assert tuple(p for op in result.paragraphs for p in op.new) == new.body
