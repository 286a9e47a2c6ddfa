"""What the templates need beyond the store's rows: labels, sizes, links, time and SVG shapes.

Pure functions of plain values; the templates escape everything they print.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from changes import Content
from changes.diff import BREAK, ContentDiff, Segment, diff_content, shown
from notify.markup import clean, safe_href
from notify.messages import ARTICLE_TITLES, CHANGE_LABELS
from store import changesets

if TYPE_CHECKING:
    from collections.abc import Iterable

    from store.models import Event, Version

FILTER_KINDS = (
    ("edited", "edited"),
    ("deleted", "deleted"),
    ("restored", "restored"),
    ("reverted", "reverted"),
    ("new", "new"),
    ("headline", "headline"),
    ("lead", "lead"),
    ("body_changed", "paragraphs rewritten"),
    ("body_added", "paragraphs added"),
    ("body_removed", "paragraphs removed"),
    ("backdated", "back-dated"),
    ("published_changed", "publication date"),
    ("author", "author"),
)
BLOCK_LABELS = {
    "changed": "edited",
    "added": "added",
    "removed": "removed",
    "moved": "moved",
    "moved_away": "moved away",
    "split": "split",
    "merged": "merged",
}
FIELD_LABELS = {
    "headline": "Headline",
    "lead": "Lead",
    "published": "Published",
    "published_raw": "Date as printed",
    "updated": "Updated",
    "author": "Author",
    "tags": "Tags",
    "image": "Image",
    "videos": "Videos",
}


def when(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime(fmt)


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def size_label(size: tuple[int, int] | None) -> str:
    if size is None:
        return ""
    added, removed = size
    return f"+{added} −{removed} words"


def change_labels(event: Event, versions: dict[int, Version] | None = None) -> list[str]:
    """The event's change kinds as labels, from the change set stored with it (``store.changesets``);
    ``versions`` by id, for an event stored before change sets were."""
    found = changesets.with_versions(event, (versions or {}).get)
    kinds = sorted(found.kinds) if found is not None else []
    if "backdated" in kinds and "published_changed" in kinds:
        kinds.remove("published_changed")
    return [CHANGE_LABELS.get(k, k) for k in kinds]


def event_title(kind: str) -> str:
    return ARTICLE_TITLES.get(kind, kind.replace("_", " ").capitalize())


def content_of(version: Version | None) -> Content | None:
    return Content.from_json(version.content) if version is not None else None


_diffs: OrderedDict[tuple[str, str], ContentDiff] = OrderedDict()
_diffs_lock = threading.Lock()
DIFF_CACHE = 4096
"""Diffs kept by content-hash pair: contents never change, so neither do their diffs."""


def version_diff(old: Version | None, new: Version | None) -> ContentDiff | None:
    """The diff of two versions, computed once per pair of contents and then reused."""
    if old is None or new is None:
        return None
    key = (old.content_hash, new.content_hash)
    with _diffs_lock:
        if key in _diffs:
            _diffs.move_to_end(key)
            return _diffs[key]
    diff = diff_content(Content.from_json(old.content), Content.from_json(new.content))
    with _diffs_lock:
        _diffs[key] = diff
        while len(_diffs) > DIFF_CACHE:
            _diffs.popitem(last=False)
    return diff


def diff_href(article_id: int, old: int | None, new: int, **extra: Any) -> str:
    params = {"from": old, "to": new, **extra}
    return f"/articles/{article_id}/diff?" + urlencode({k: v for k, v in params.items() if v is not None})


def event_target(event: Event, seq_of: dict[int, int]) -> str:
    """Where a change links to: its diff when it has two versions, else the version or article."""
    old, new = seq_of.get(event.from_version_id), seq_of.get(event.to_version_id)
    if old and new and old != new:
        return diff_href(event.article_id, old, new)
    if new:
        return f"/articles/{event.article_id}/versions/{new}"
    return f"/articles/{event.article_id}"


def side(words: Iterable[Segment], which: str) -> list[Segment]:
    """One side of a word diff: the old keeps equal and deleted runs, the new equal and inserted."""
    drop = "insert" if which == "old" else "delete"
    return [s for s in shown(words) if s.op != drop]


def pieces(words: Iterable[Segment]) -> list[dict[str, Any]]:
    """Segments for a template: a paragraph break becomes its own visible mark."""
    out = []
    for seg in words:
        if seg.is_break:
            out.append({"op": seg.op, "text": "", "brk": True})
        else:
            out.append({"op": seg.op, "text": clean(seg.text), "brk": False})
    return out


def href(url: str | None) -> str | None:
    """A link target only for http(s) URLs: ``javascript:`` and the like are never links."""
    return safe_href(url)


def page_params(current: dict[str, Any], **changes: Any) -> str:
    """The query string of this page with some parameters changed (None drops one)."""
    merged = {**current, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


FILTERS = {
    "when": when,
    "iso": iso,
    "size_label": size_label,
    "href": href,
    "clean": clean,
    "pieces": pieces,
    "event_title": event_title,
}
GLOBALS = {
    "BLOCK_LABELS": BLOCK_LABELS,
    "FIELD_LABELS": FIELD_LABELS,
    "FILTER_KINDS": FILTER_KINDS,
    "side": side,
    "diff_href": diff_href,
    "page_params": page_params,
    "BREAK": BREAK,
}
