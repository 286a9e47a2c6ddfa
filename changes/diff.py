"""The difference between two contents as people read it: fields, paragraphs, words.

``diff_content`` computes it once as plain values (a ``ContentDiff``); the terminal,
the review pages and the feeds only render it. Paragraphs are matched in place, then
moved paragraphs are found among those left over (a move is not a delete plus an
add), and one paragraph split into several, or several merged into one, is told as
such. Inside every matched pair the words are marked.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from changes.content import Content


_WORDS = re.compile(r"\S+|\s+")
FIELDS = ("headline", "lead", "published", "published_raw", "updated", "author", "tags", "image", "videos")
BREAK = "\n"
"""Joins the paragraphs of a split or merge, so a word diff shows where the break moved."""

SIMILAR = 0.5
"""Word-level similarity at which two paragraphs in the same place are one, edited."""
MOVED = 0.6
"""Similarity at which a paragraph gone here and one new there are one paragraph, moved."""
SPLIT = 0.75
"""Similarity at which one paragraph and a run of several are the same text re-broken."""
MAX_RUN = 4
"""Most paragraphs a split or merge is looked for across."""


@dataclass(frozen=True)
class Segment:
    """A run of text: ``equal``, ``delete`` (only in the old) or ``insert`` (only in the new)."""

    op: str
    text: str

    @property
    def is_break(self) -> bool:
        """White space only, holding a paragraph break (a split or merge point)."""
        return not self.text.strip() and BREAK in self.text


@dataclass(frozen=True)
class Block:
    """One step through the body, in reading order of the new text.

    ``kind`` is ``equal``, ``changed`` (edited in place), ``added``, ``removed``,
    ``moved`` (here in the new text, from ``old_at``; several paragraphs on a side when
    they were merged or split on the way), ``moved_away`` (was here, now at ``new_at``),
    ``split``, ``merged`` or ``skipped`` (unchanged, hidden by
    :func:`with_context`). ``old_at`` and ``new_at`` are 1-based paragraph numbers.
    ``words`` marks the words of changed, moved, split and merged blocks.
    """

    kind: str
    old: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    old_at: int | None = None
    new_at: int | None = None
    words: tuple[Segment, ...] = ()

    @property
    def is_change(self) -> bool:
        return self.kind not in ("equal", "skipped")

    @property
    def edited(self) -> bool:
        """A moved paragraph whose words changed too."""
        return any(s.op != "equal" and not s.is_break for s in shown(self.words))

    @property
    def regrouped(self) -> str | None:
        """``merged`` or ``split`` for a move that also joined or broke paragraphs."""
        if self.kind != "moved" or len(self.old) == len(self.new):
            return None
        return "merged" if len(self.old) > len(self.new) else "split"


@dataclass(frozen=True)
class FieldDiff:
    """One field other than the body: the old and new values shown as text."""

    name: str
    old: str | None
    new: str | None
    words: tuple[Segment, ...] = ()
    """Word marks when both values are text; empty for lists and for None on a side."""

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class ContentDiff:
    fields: tuple[FieldDiff, ...]
    body: tuple[Block, ...]

    def __bool__(self) -> bool:
        return any(f.changed for f in self.fields) or any(b.is_change for b in self.body)

    @property
    def changed_fields(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.changed)

    @property
    def size(self) -> tuple[int, int]:
        """Words added and words removed, fields and body together (a move adds none)."""
        added = removed = 0
        for item in (*self.changed_fields, *self.body):
            if isinstance(item, FieldDiff) and not item.words:
                added += _count(item.new)
                removed += _count(item.old)
                continue
            if isinstance(item, Block) and item.kind in ("added", "removed"):
                added += sum(map(_count, item.new))
                removed += sum(map(_count, item.old))
                continue
            for seg in item.words:
                added += _count(seg.text) if seg.op == "insert" else 0
                removed += _count(seg.text) if seg.op == "delete" else 0
        return added, removed


# -- words ------------------------------------------------------------------------------


def word_ops(old: str, new: str) -> tuple[Segment, ...]:
    """``old`` rewritten into ``new``: equal, delete and insert runs, words kept whole.

    The old text is the equal and delete runs joined; the new is the equal and insert runs.
    """
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[Segment] = []
    # Spaces are junk: a match never starts on one (it may run through), so words align.
    matcher = difflib.SequenceMatcher(str.isspace, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("insert", "".join(b[j1:j2])))
    return tuple(out)


def word_diff(old: str, new: str) -> str:
    """``old`` rewritten into ``new`` with ``[-removed-]`` and ``{+added+}`` marks."""
    return marked(word_ops(old, new))


def marked(words: Iterable[Segment], paint: Callable[[str, str], str] | None = None, *, breaks: bool = False) -> str:
    """Segments as plain text with ``[-…-]`` and ``{+…+}`` marks; ``paint`` may colour them.

    With ``breaks`` (a split or merge), paragraph breaks show as ``¶``.
    """
    paint = paint or (lambda op, text: text)
    out = []
    for seg in shown(words) if breaks else words:
        text = seg.text.replace(BREAK, " ¶ ") if breaks and seg.is_break else seg.text
        if seg.op == "equal":
            out.append(text)
        else:
            out.append(paint(seg.op, f"[-{text}-]" if seg.op == "delete" else f"{{+{text}+}}"))
    return "".join(out)


def shown(words: Iterable[Segment]) -> list[Segment]:
    """Segments as people should see them: the plain space a paragraph break replaced
    (or that replaced one) is not marked as a change of its own."""
    words = list(words)
    out = []
    for index, seg in enumerate(words):
        neighbours = words[max(index - 1, 0) : index] + words[index + 1 : index + 2]
        if (
            seg.op != "equal"
            and not seg.text.strip()
            and not seg.is_break
            and any(n.op != "equal" and n.is_break for n in neighbours)
        ):
            continue
        out.append(seg)
    return out


def similarity(a: str, b: str) -> float:
    """Share of words two texts have in common, in order (0 to 1)."""
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


# -- paragraphs -------------------------------------------------------------------------


def body_blocks(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[Block, ...]:
    """The body diff, paragraph by paragraph, with moves, splits and merges found."""
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    steps = [
        (tag, i1, i2, j1, j2) if tag == "equal" else ("align", _align(old, new, i1, i2, j1, j2))
        for tag, i1, i2, j1, j2 in opcodes
    ]
    gone = [i for step in steps if step[0] == "align" for kind, i, _ in step[1] if kind == "removed"]
    came = [j for step in steps if step[0] == "align" for kind, _, j in step[1] if kind == "added"]
    groups = _moves(old, new, gone, came)
    moved_to = {i: g for g in groups for i in g[0]}
    arrives = {g[1][0]: g for g in groups}
    carried = {j for g in groups for j in g[1][1:]}  # later paragraphs of a moved split
    blocks: list[Block] = []
    for step in steps:
        if step[0] == "equal":
            _, i1, i2, j1, j2 = step
            blocks.append(Block("equal", old[i1:i2], new[j1:j2], i1 + 1, j1 + 1))
            continue
        for kind, i, j in step[1]:
            if kind == "removed" and i in moved_to:
                blocks.append(Block("moved_away", (old[i],), (), i + 1, moved_to[i][1][0] + 1))
            elif kind == "added" and j in carried:
                continue
            elif kind == "added" and j in arrives:
                olds, news = arrives[j]
                a, b = tuple(old[x] for x in olds), tuple(new[x] for x in news)
                blocks.append(Block("moved", a, b, olds[0] + 1, j + 1, word_ops(BREAK.join(a), BREAK.join(b))))
            elif kind == "removed":
                blocks.append(Block("removed", (old[i],), (), i + 1, None))
            elif kind == "added":
                blocks.append(Block("added", (), (new[j],), None, j + 1))
            else:
                (i1, i2), (j1, j2) = i, j
                a, b = old[i1:i2], new[j1:j2]
                blocks.append(Block(kind, a, b, i1 + 1, j1 + 1, word_ops(BREAK.join(a), BREAK.join(b))))
    return tuple(blocks)


def _align(old: tuple[str, ...], new: tuple[str, ...], i: int, i2: int, j: int, j2: int) -> list[tuple]:
    """Pair the paragraphs of one replaced stretch in order: edits, splits and merges.

    Returns steps ``("changed"|"split"|"merged", (i1, i2), (j1, j2))``, ``("removed", i,
    None)`` and ``("added", None, j)``. Greedy, left to right: at each point the best of
    pairing one with one, one with a run (split) or a run with one (merge).
    """
    steps: list[tuple] = []
    while i < i2 and j < j2:
        best = (similarity(old[i], new[j]), "changed", 1, 1)
        for k in range(2, MAX_RUN + 1):
            if j + k <= j2:
                score = similarity(old[i], " ".join(new[j : j + k]))
                if score >= SPLIT and score > best[0] + 0.1:
                    best = (score, "split", 1, k)
            if i + k <= i2:
                score = similarity(" ".join(old[i : i + k]), new[j])
                if score >= SPLIT and score > best[0] + 0.1:
                    best = (score, "merged", k, 1)
        score, kind, di, dj = best
        if score >= SIMILAR:
            steps.append((kind, (i, i + di), (j, j + dj)))
            i, j = i + di, j + dj
        elif any(similarity(old[i], new[x]) >= SIMILAR for x in range(j + 1, j2)):
            steps.append(("added", None, j))  # old[i] comes back further on: new[j] is new
            j += 1
        else:
            steps.append(("removed", i, None))
            i += 1
    steps += [("removed", x, None) for x in range(i, i2)]
    steps += [("added", None, x) for x in range(j, j2)]
    return steps


def _moves(
    old: tuple[str, ...], new: tuple[str, ...], gone: list[int], came: list[int]
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Removed paragraphs that reappear elsewhere: (old indices, new indices) per move.

    Usually one and one; a run of removed paragraphs may reappear merged into one, or
    one may reappear split into a run, when that reads better than one of them alone.
    """
    gone_set, came_set = set(gone), set(came)
    candidates = []
    for i in gone:
        for j in came:
            single = similarity(old[i], new[j])
            if single >= MOVED:
                candidates.append((single, (i,), (j,)))
            for k in range(2, MAX_RUN + 1):
                olds, news = tuple(range(i, i + k)), tuple(range(j, j + k))
                for a, b in ((olds, (j,)), ((i,), news)):
                    if set(a) <= gone_set and set(b) <= came_set:
                        score = similarity(" ".join(old[x] for x in a), " ".join(new[x] for x in b))
                        if score >= SPLIT and score > single + 0.1:
                            candidates.append((score, a, b))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    groups, used_old, used_new = [], set(), set()
    for _score, a, b in candidates:
        if used_old.isdisjoint(a) and used_new.isdisjoint(b):
            groups.append((a, b))
            used_old.update(a)
            used_new.update(b)
    return groups


def with_context(blocks: Iterable[Block], context: int) -> tuple[Block, ...]:
    """The changes only: unchanged runs cut to ``context`` paragraphs around each change."""
    blocks = tuple(blocks)
    out: list[Block] = []
    for index, block in enumerate(blocks):
        if block.kind != "equal":
            out.append(block)
            continue
        n = len(block.old)
        head = context if index > 0 else 0
        tail = context if index < len(blocks) - 1 else 0
        if n <= head + tail:
            out.append(block)
            continue
        at_old, at_new = block.old_at or 1, block.new_at or 1
        if head:
            out.append(Block("equal", block.old[:head], block.new[:head], at_old, at_new))
        out.append(
            Block("skipped", block.old[head : n - tail], block.new[head : n - tail], at_old + head, at_new + head)
        )
        if tail:
            out.append(
                Block("equal", block.old[n - tail :], block.new[n - tail :], at_old + n - tail, at_new + n - tail)
            )
    return tuple(out)


# -- whole contents ---------------------------------------------------------------------


def diff_content(old: Content, new: Content) -> ContentDiff:
    """Every field and the body of ``old`` against ``new``, computed once."""
    fields = []
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        a, b = _show(before), _show(after)
        words = word_ops(a, b) if before != after and isinstance(before, str) and isinstance(after, str) else ()
        fields.append(
            FieldDiff(
                name, a if before not in (None, (), []) else None, b if after not in (None, (), []) else None, words
            )
        )
    return ContentDiff(tuple(fields), body_blocks(old.body, new.body))


def render_text(
    old: Content, new: Content, *, context: int | None = 1, paint: Callable[[str, str], str] | None = None
) -> str:
    """A plain-text diff: changed fields, then the body paragraph by paragraph.

    Unchanged paragraphs are elided beyond ``context`` around each change (None: all
    shown). ``paint(op, text)`` may colour the marks; the marks stay, so the diff never
    relies on colour alone. Lines: ``  `` same, ``~`` edited, ``-`` removed, ``+``
    added, ``>`` moved here (``<`` where it was), ``=`` split or merged.
    """
    return render_diff(diff_content(old, new), context=context, paint=paint)


def render_diff(diff: ContentDiff, *, context: int | None = 1, paint: Callable[[str, str], str] | None = None) -> str:
    mark = paint or (lambda op, text: text)
    lines: list[str] = []
    for f in diff.changed_fields:
        if f.words:
            lines.append(f"{f.name}: {marked(f.words, paint)}")
        else:
            lines += [
                f"{f.name}:",
                mark("delete", f"  - {f.old or '(none)'}"),
                mark("insert", f"  + {f.new or '(none)'}"),
            ]
    blocks = diff.body if context is None else with_context(diff.body, context)
    body_lines: list[str] = []
    for b in blocks:
        if b.kind == "equal":
            body_lines += [f"  {p}" for p in b.old]
        elif b.kind == "skipped":
            body_lines.append(f"  … {len(b.old)} unchanged")
        elif b.kind == "changed":
            body_lines.append(
                f"~ {marked(b.words, paint)}"
                if b.words and _readable(b.words)
                else "\n".join([mark("delete", f"- {b.old[0]}"), mark("insert", f"+ {b.new[0]}")])
            )
        elif b.kind == "removed":
            body_lines.append(mark("delete", f"- {b.old[0]}"))
        elif b.kind == "added":
            body_lines.append(mark("insert", f"+ {b.new[0]}"))
        elif b.kind == "moved":
            how = f", {b.regrouped}" if b.regrouped else ""
            body_lines.append(f"> (moved from ¶{b.old_at}{how}) {marked(b.words, paint, breaks=bool(how))}")
        elif b.kind == "moved_away":
            body_lines.append(f"< (¶{b.old_at} moved to ¶{b.new_at}) {b.old[0]}")
        else:  # split, merged
            body_lines.append(f"= ({b.kind}) {marked(b.words, paint, breaks=True)}")
    if any(b.is_change for b in blocks):
        lines += ["body:", *body_lines]
    return "\n".join(lines) if lines else "(no difference)"


def _readable(words: tuple[Segment, ...]) -> bool:
    """Worth marking word by word: most words survived. Otherwise show both whole."""
    kept = sum(_count(s.text) for s in words if s.op == "equal")
    changed = sum(_count(s.text) for s in words if s.op != "equal")
    return kept + changed == 0 or 2 * kept / (2 * kept + changed) >= SIMILAR


def _count(text: str | None) -> int:
    return len(text.split()) if text else 0


def _show(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or "(none)"
    return "(none)" if value is None else str(value)
