"""Alert messages as pure functions: an event's plain values in, a title and a body out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from changes import EventKind
from notify.markup import FORMATS, Block, Para, Quotes, Span, clean, write

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

MAX_PASSAGES = 3
MAX_PASSAGE_CHARS = 300
MAX_HEADLINE_CHARS = 150

ARTICLE_TITLES = {
    EventKind.NEW: "New",
    EventKind.EDITED: "Edited",
    EventKind.REVERTED: "Reverted to an earlier version",
    EventKind.DELETED: "Deleted",
    EventKind.RESTORED: "Restored",
}
OPERATOR_TITLES = {
    EventKind.PARSER_BROKEN: "Parser broken",
    EventKind.SITE_UNREACHABLE: "Site unreachable",
    EventKind.SITE_RECOVERED: "Site recovered",
    EventKind.MASS_DELETION: "Mass deletion",
}
# In reading order; ``published_changed`` is dropped when ``backdated`` says more.
CHANGE_LABELS = {
    "headline": "headline",
    "lead": "lead",
    "body_changed": "paragraphs rewritten",
    "body_removed": "paragraphs removed",
    "body_added": "paragraphs added",
    "backdated": "publication date moved back",
    "published_changed": "publication date",
    "updated_changed": "update date",
    "author": "author",
    "tags": "tags",
    "image": "image",
    "videos": "videos",
}
OPERATOR_NOTES = {
    EventKind.PARSER_BROKEN: "Edit and deletion alerts for this site are held until its pages parse again.",
    EventKind.SITE_UNREACHABLE: "Edit and deletion alerts for this site are held until it answers normally.",
    EventKind.SITE_RECOVERED: "Edit and deletion alerts for this site resume.",
    EventKind.MASS_DELETION: "The site answered normally otherwise; each deleted article has its own alert.",
}


@dataclass(frozen=True, kw_only=True)
class EventView:
    """What an alert says about one event: plain values, loaded by ``notify.outbox.event_view``.

    Scraped text (headlines, passages, reasons, URLs) is kept as read; the writers
    escape it. Passages are complete here; :func:`render` trims them.
    """

    event_id: int
    site: str
    kind: EventKind
    created_at: datetime | None = None
    article_id: int | None = None
    url: str | None = None
    headline_old: str | None = None
    headline_new: str | None = None
    changes: tuple[str, ...] = ()
    """``changes.Kind`` values."""
    removed: tuple[str, ...] = ()
    """Paragraphs gone from the article (for a deletion: its last known text)."""
    added: tuple[str, ...] = ()
    published_old: str | None = None
    published_new: str | None = None
    views: int | None = None
    """Views when the event's capture was made (the latest reading at or before it)."""
    comments: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    """The event's details: reason, stats, confirmations, gone_since, same_content…"""
    base_url: str | None = None
    """The review UI, for links; None when not configured."""

    @property
    def headline(self) -> str:
        return self.headline_new or self.headline_old or self.url or "(no headline)"

    @property
    def is_operator(self) -> bool:
        return self.kind in OPERATOR_TITLES

    @property
    def review_links(self) -> list[tuple[str, str]]:
        if not self.base_url:
            return []
        links = [("Article timeline", f"{self.base_url}/articles/{self.article_id}")] if self.article_id else []
        return [*links, ("This event", f"{self.base_url}/events/{self.event_id}")]


@dataclass(frozen=True)
class Message:
    title: str
    """Plain text, one line: used as an email subject as it is."""
    body: str
    """In ``fmt``."""
    fmt: str


def render(event: EventView, fmt: str, *, key: str | None = None, tree_head: str | None = None) -> Message:
    """The alert for ``event`` in ``fmt`` (text, markdown or html); ``key`` and the latest
    signed tree head (``store.queries.latest_head_line``) go in a footer, so that every
    recipient keeps a witness copy of the log."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown message format {fmt!r} (use one of {', '.join(FORMATS)})")
    if event.is_operator:
        blocks = _operator_blocks(event)
    elif event.kind == EventKind.DELETED:
        blocks = _deleted_blocks(event)
    else:
        blocks = _article_blocks(event)
    if event.review_links:
        links = [Span(label, "link", url) for label, url in event.review_links]
        blocks.append(Para((Span("Review: ", "strong"), *_joined(links, Span(" · ")))))
    if key:
        blocks.append(Para((Span(f"Palimpsest alert {key}"),), small=True))
    if tree_head:
        blocks.append(Para((Span(tree_head),), small=True))
    return Message(title(event), write(blocks, fmt), fmt)


def title(event: EventView) -> str:
    """``[site] Edited: headline`` or ``Site unreachable: site``.

    Angle brackets in the headline become ‹ ›: some apprise services paste the title
    into an HTML body unescaped, and a title is not evidence (the body quotes exactly).
    """
    if event.is_operator:
        text = f"{OPERATOR_TITLES[event.kind]}: {event.site}"
    else:
        label = ARTICLE_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
        text = f"[{event.site}] {label}: {cut(clean(event.headline), MAX_HEADLINE_CHARS)}"
    return clean(text).strip().replace("<", "‹").replace(">", "›")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def change_labels(kinds: tuple[str, ...] | frozenset[str]) -> list[str]:
    kinds = set(kinds)
    if "backdated" in kinds:
        kinds.discard("published_changed")
    known = [label for kind, label in CHANGE_LABELS.items() if kind in kinds]
    return known + sorted(k.replace("_", " ") for k in kinds - set(CHANGE_LABELS))


# -- blocks per kind -------------------------------------------------------------------


def _article_blocks(event: EventView) -> list[Block]:
    blocks: list[Block] = []
    if event.url:
        blocks.append(_line("Article: ", event.url, href=event.url))
    if event.kind == EventKind.RESTORED:
        same = event.details.get("same_content")
        blocks.append(_line("Back online", " with the same content." if same else " with changed content."))
    labels = change_labels(event.changes)
    if labels:
        blocks.append(_line("What changed: ", ", ".join(labels)))
    if event.headline_old and event.headline_new and event.headline_old != event.headline_new:
        blocks += [_line("Old headline: ", event.headline_old), _line("New headline: ", event.headline_new)]
    else:
        blocks.append(_line("Headline: ", event.headline))
    if event.published_old and event.published_new and event.published_old != event.published_new:
        moved = " (moved back)" if "backdated" in event.changes else ""
        blocks.append(_line("Publication date: ", f"{event.published_old} → {event.published_new}{moved}"))
    elif event.published_new and event.kind == EventKind.NEW:
        blocks.append(_line("Published: ", event.published_new))
    blocks += _passages("Removed", event.removed, "removed")
    blocks += _passages("Added", event.added, "added")
    if event.details.get("first_seen"):
        blocks.append(_line("First seen: ", str(event.details["first_seen"])))
    return blocks + _views(event)


def _deleted_blocks(event: EventView) -> list[Block]:
    blocks: list[Block] = []
    if event.url:
        blocks.append(_line("Article: ", event.url, href=event.url))
    blocks.append(_line("Last known headline: ", event.headline))
    why = str(event.details.get("reason") or "gone")
    checks = event.details.get("confirmations")
    since = event.details.get("gone_since")
    detail = "".join([f"; gone since {since}" if since else "", f"; {checks} consecutive checks" if checks else ""])
    blocks.append(_line("Why: ", why + detail))
    if event.published_old:
        blocks.append(_line("Published: ", event.published_old))
    blocks += _passages("Last known text", event.removed, "removed")
    return blocks + _views(event)


def _operator_blocks(event: EventView) -> list[Block]:
    blocks: list[Block] = [_line("Site: ", event.site)]
    if event.details.get("reason"):
        blocks.append(_line("Reason: ", str(event.details["reason"])))
    stats = event.details.get("stats") or {}
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.items() if isinstance(v, int) and v)
    if counts:
        blocks.append(_line("Last run: ", counts))
    blocks.append(Para((Span(OPERATOR_NOTES.get(event.kind, "")),)))
    return blocks


def _passages(label: str, passages: tuple[str, ...], tone: str) -> list[Block]:
    if not passages:
        return []
    shown = tuple(cut(clean(p).strip(), MAX_PASSAGE_CHARS) for p in passages[:MAX_PASSAGES])
    more = len(passages) - len(shown)
    blocks: list[Block] = [Para((Span(f"{label}:", "strong"),)), Quotes(shown, tone)]
    if more:
        blocks.append(Para((Span(f"… and {more} more paragraph{'s' if more > 1 else ''}"),), small=True))
    return blocks


def _views(event: EventView) -> list[Block]:
    if event.views is None and event.comments is None:
        return []
    parts = [
        f"{event.views:,} views" if event.views is not None else "",
        f"{event.comments:,} comments" if event.comments is not None else "",
    ]
    return [_line("At the time: ", ", ".join(p for p in parts if p))]


def _joined(spans: list[Span], separator: Span) -> list[Span]:
    return [part for i, span in enumerate(spans) for part in ((separator, span) if i else (span,))]


def _line(label: str, text: str, *, href: str | None = None) -> Para:
    value = Span(text, "link", href) if href else Span(text)
    return Para((Span(label, "strong"), value))
