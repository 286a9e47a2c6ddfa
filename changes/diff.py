"""Render the difference between two contents for people: plain text, word-marked."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from changes.compare import paragraph_ops

if TYPE_CHECKING:
    from changes.content import Content


_WORDS = re.compile(r"\S+|\s+")
FIELDS = ("headline", "lead", "published", "published_raw", "updated", "author", "tags", "image", "videos")


def word_diff(old: str, new: str) -> str:
    """``old`` rewritten into ``new`` with ``[-removed-]`` and ``{+added+}`` marks."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append("".join(a[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"[-{''.join(a[i1:i2])}-]")
        if j2 > j1:
            out.append(f"{{+{''.join(b[j1:j2])}+}}")
    return "".join(out)


def render_text(old: Content, new: Content, *, context: int = 1) -> str:
    """A plain-text diff: changed fields, then the body paragraph by paragraph.

    Unchanged paragraphs are elided beyond ``context`` around each change.
    """
    lines: list[str] = []
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if isinstance(before, str) and isinstance(after, str):
            lines.append(f"{name}: {word_diff(before, after)}")
        else:
            lines += [f"{name}:", f"  - {_show(before)}", f"  + {_show(after)}"]
    ops = paragraph_ops(old.body, new.body)
    body_lines: list[str] = []
    for index, op in enumerate(ops):
        if op.op == "equal":
            keep = list(op.old)
            head = keep[:context] if index > 0 else []
            tail = keep[len(keep) - context:] if index < len(ops) - 1 else []
            if len(keep) > len(head) + len(tail):
                body_lines += [f"  {p}" for p in head] + [f"  … {len(keep) - len(head) - len(tail)} unchanged"]
                body_lines += [f"  {p}" for p in tail]
            else:
                body_lines += [f"  {p}" for p in keep]
        elif op.op == "replace" and len(op.old) == len(op.new):
            for a, b in zip(op.old, op.new, strict=True):
                body_lines += [f"~ {word_diff(a, b)}"] if _similar(a, b) else [f"- {a}", f"+ {b}"]
        else:
            body_lines += [f"- {p}" for p in op.old] + [f"+ {p}" for p in op.new]
    if any(not line.startswith("  ") for line in body_lines):
        lines += ["body:", *body_lines]
    return "\n".join(lines) if lines else "(no difference)"


def _similar(a: str, b: str) -> bool:
    """Worth marking word by word: most words survived. Otherwise show both whole."""
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio() >= 0.5


def _show(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) or "(none)"
    return "(none)" if value is None else str(value)
