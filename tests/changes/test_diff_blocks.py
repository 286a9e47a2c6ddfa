"""diff_content(): moved, split and merged paragraphs, word marks inside them, sizes, context."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from changes.content import Content
from changes.diff import body_blocks, diff_content, render_text, shown, with_context, word_ops

BODY = tuple(f"Paragraph {i}: a sentence of its own about topic {chr(65 + i)}." for i in range(8))
OTHER = (
    "The minister resigned on Friday after the vote.",
    "Prices rose by four percent in a month.",
    "Opposition leaders met in Vilnius to plan the campaign.",
)


def content(body: list[str] | tuple[str, ...], **values: object) -> Content:
    return Content.build(**{"headline": "Protest in Minsk", "body": list(body), **values})


def kinds(old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    return [b.kind for b in body_blocks(old, new)]


def test_word_ops_keep_both_texts():
    ops = word_ops("52 prisoners were pardoned", "53 prisoners pardoned today")
    assert "".join(s.text for s in ops if s.op != "insert") == "52 prisoners were pardoned"
    assert "".join(s.text for s in ops if s.op != "delete") == "53 prisoners pardoned today"
    assert " ".join(s.text for s in ops if s.op == "delete").split() == ["52", "were"]


def test_exact_move_is_a_move_not_delete_plus_add():
    new = (*BODY[1:6], BODY[0], *BODY[6:])
    blocks = body_blocks(BODY, new)
    assert [b.kind for b in blocks] == ["moved_away", "equal", "moved", "equal"]
    away, moved = blocks[0], blocks[2]
    assert (away.old_at, away.new_at) == (1, 6)
    assert (moved.old_at, moved.new_at) == (1, 6)
    assert moved.edited is False
    assert diff_content(content(BODY), content(new)).size == (0, 0)


def test_edits_inside_a_moved_paragraph_are_marked():
    edited = BODY[0].replace("topic A", "topic Z")
    new = (*BODY[1:], edited)
    [moved] = [b for b in body_blocks(BODY, new) if b.kind == "moved"]
    assert moved.edited
    assert [(s.op, s.text) for s in moved.words if s.op != "equal"] == [("delete", "A."), ("insert", "Z.")]
    assert (
        "> (moved from ¶1) Paragraph 0: a sentence of its own about topic [-A.-]{+Z.+}"
        in render_text(content(BODY), content(new)).splitlines()
    )


def test_unrelated_paragraphs_are_not_moves():
    old = (OTHER[0], *BODY[:3])
    new = (*BODY[:3], OTHER[1])
    assert kinds(old, new) == ["removed", "equal", "added"]


def test_split_paragraph():
    joined = f"{BODY[1]} {BODY[2]}"
    old, new = (BODY[0], joined, BODY[3]), BODY[:4]
    blocks = body_blocks(old, new)
    assert [b.kind for b in blocks] == ["equal", "split", "equal"]
    split = blocks[1]
    assert split.old == (joined,) and split.new == (BODY[1], BODY[2])
    # The only change shown is the paragraph break, not a removed space.
    assert [(s.op, s.is_break) for s in shown(split.words) if s.op != "equal"] == [("insert", True)]
    assert "= (split) " in render_text(content(old), content(new))


def test_merged_paragraphs_with_an_edit():
    old = BODY[:4]
    new = (BODY[0], f"{BODY[1]} {BODY[2].replace('topic C', 'topic Q')}", BODY[3])
    blocks = body_blocks(old, new)
    assert [b.kind for b in blocks] == ["equal", "merged", "equal"]
    changed = [(s.op, s.text) for s in shown(blocks[1].words) if s.op != "equal"]
    assert ("insert", "Q.") in changed and ("delete", "C.") in changed
    assert any(s.is_break and s.op == "delete" for s in blocks[1].words)


def test_fields_and_size():
    diff = diff_content(
        content(BODY, author="Charter97"), content([*BODY, "Added words here."], headline="Riot in Minsk", author=None)
    )
    assert [f.name for f in diff.changed_fields] == ["headline", "author"]
    headline = diff.changed_fields[0]
    assert (headline.old, headline.new) == ("Protest in Minsk", "Riot in Minsk")
    assert [(s.op, s.text) for s in headline.words if s.op != "equal"] == [("delete", "Protest"), ("insert", "Riot")]
    # 1 headline word + 3 body words added; 1 headline word + 1 author word removed.
    assert diff.size == (4, 2)
    assert bool(diff) and not diff_content(content(BODY), content(BODY))


def test_with_context_hides_far_unchanged_paragraphs():
    new = list(BODY)
    new[4] = BODY[4].replace("topic E", "topic Y")
    blocks = with_context(body_blocks(BODY, tuple(new)), 1)
    assert [b.kind for b in blocks] == ["skipped", "equal", "changed", "equal", "skipped"]
    assert [len(b.old) for b in blocks] == [3, 1, 1, 1, 2]
    assert blocks[1].new_at == 4 and blocks[2].new_at == 5


_PARAS = st.lists(st.sampled_from([*BODY[:4], *OTHER, f"{BODY[0]} {BODY[1]}", BODY[2] + " Extra."]), max_size=7)


@settings(max_examples=80, deadline=None)
@given(old=_PARAS, new=_PARAS)
def test_blocks_account_for_every_paragraph(old: list[str], new: list[str]):
    """Read in order, the blocks give back the new body; by old number, the old body."""
    blocks = body_blocks(tuple(old), tuple(new))
    assert [p for b in blocks if b.kind != "moved_away" for p in b.new] == new
    by_old = sorted((b.old_at + k, p) for b in blocks if b.kind != "moved" for k, p in enumerate(b.old))
    assert [p for _, p in by_old] == old
    assert any(b.is_change for b in blocks) is (old != new)


def test_moved_and_merged_on_the_way():
    """v1 [A, B, C, D] → v3 [B', C D, A']: each paragraph is accounted for as moved, and
    C and D as merged, not as one moved and one removed."""
    a, b, c, d = BODY[:4]
    new = (b.replace("topic B", "topic X"), f"{c} {d}", a)
    blocks = body_blocks((a, b, c, d), new)
    assert [blk.kind for blk in blocks if blk.kind not in ("moved_away", "equal")] == ["moved", "moved"]
    merged = next(blk for blk in blocks if blk.regrouped)
    assert merged.regrouped == "merged" and merged.old == (c, d) and merged.old_at == 3
    assert not merged.edited
    assert sorted(blk.old_at for blk in blocks if blk.kind == "moved_away") == [2, 3, 4]
