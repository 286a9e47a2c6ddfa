"""Compare two contents of one article: a typed change set, computed once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from changes.content import Content


class Kind(StrEnum):
    """What about an article changed between two versions."""

    HEADLINE = "headline"
    LEAD = "lead"
    BODY_ADDED = "body_added"
    BODY_REMOVED = "body_removed"
    BODY_CHANGED = "body_changed"
    PUBLISHED_CHANGED = "published_changed"
    BACKDATED = "backdated"
    UPDATED_CHANGED = "updated_changed"
    AUTHOR = "author"
    TAGS = "tags"
    IMAGE = "image"
    VIDEOS = "videos"


@dataclass(frozen=True)
class ParagraphOp:
    """One step of the paragraph diff: ``equal``, ``insert``, ``delete`` or ``replace``."""

    op: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class ChangeSet:
    """Everything that differs between ``old`` and ``new``; empty when they are equal."""

    kinds: frozenset[Kind]
    paragraphs: tuple[ParagraphOp, ...]

    def __bool__(self) -> bool:
        return bool(self.kinds)

    @property
    def added(self) -> list[str]:
        return [p for op in self.paragraphs if op.op in ("insert", "replace") for p in op.new]

    @property
    def removed(self) -> list[str]:
        return [p for op in self.paragraphs if op.op in ("delete", "replace") for p in op.old]

    def to_json(self) -> dict[str, Any]:
        """As stored with an event: the kinds and the paragraph steps that change something.

        Unchanged stretches are left out (the versions hold them), so a one-word edit of
        a long article stores one paragraph pair, not the article.
        """
        return {
            "kinds": sorted(self.kinds),
            "paragraphs": [
                {"op": op.op, "old": list(op.old), "new": list(op.new)} for op in self.paragraphs if op.op != "equal"
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeSet:
        return cls(
            frozenset(Kind(k) for k in data.get("kinds", ())),
            tuple(ParagraphOp(p["op"], tuple(p["old"]), tuple(p["new"])) for p in data.get("paragraphs", ())),
        )


def compare(old: Content, new: Content) -> ChangeSet:
    kinds: set[Kind] = set()
    simple = {
        Kind.HEADLINE: "headline",
        Kind.LEAD: "lead",
        Kind.AUTHOR: "author",
        Kind.TAGS: "tags",
        Kind.IMAGE: "image",
        Kind.VIDEOS: "videos",
        Kind.UPDATED_CHANGED: "updated",
    }
    kinds.update(k for k, name in simple.items() if getattr(old, name) != getattr(new, name))
    if old.published != new.published or old.published_raw != new.published_raw:
        kinds.add(Kind.PUBLISHED_CHANGED)
        if _is_earlier(new.published, old.published):
            kinds.add(Kind.BACKDATED)
    ops = paragraph_ops(old.body, new.body)
    by_op = {"insert": Kind.BODY_ADDED, "delete": Kind.BODY_REMOVED, "replace": Kind.BODY_CHANGED}
    kinds.update(by_op[op.op] for op in ops if op.op in by_op)
    return ChangeSet(frozenset(kinds), tuple(ops))


def paragraph_ops(old: tuple[str, ...], new: tuple[str, ...]) -> list[ParagraphOp]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [ParagraphOp(tag, old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def _is_earlier(new: str | None, old: str | None) -> bool:
    if not new or not old:
        return False
    try:
        return datetime.fromisoformat(new) < datetime.fromisoformat(old)
    except (TypeError, ValueError):
        return False
