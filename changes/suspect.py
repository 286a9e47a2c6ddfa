"""Values a page cannot really mean: negative counts, dates in the future or before the web.

They are kept on the capture as suspect (evidence of what the page said) and are never
taken as content or metrics, so they can never make an edit on their own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from changes.content import Content

EARLIEST = datetime(1994, 1, 1, tzinfo=UTC)
"""No news site published on the web before this (a site may name its own start)."""
FUTURE_SLACK = timedelta(days=1)
"""Clocks, time zones and "tomorrow's edition" put a date this far ahead honestly."""


def suspect_values(
    *,
    at: datetime,
    views: int | None = None,
    comments: int | None = None,
    published: str | None = None,
    updated: str | None = None,
    earliest: datetime = EARLIEST,
) -> dict[str, int | str]:
    """The values read at ``at`` that cannot be right, by field name (empty when none)."""
    found: dict[str, int | str] = {}
    for name, count in (("views", views), ("comments", comments)):
        if count is not None and count < 0:
            found[name] = count
    for name, iso in (("published", published), ("updated", updated)):
        when = _parse(iso)
        if when is not None and (when > at + FUTURE_SLACK or when < earliest):
            found[name] = iso
    return found


def _parse(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# Content fields a suspect date stands for.
_DATE_FIELDS = {"published": ("published", "published_raw"), "updated": ("updated",)}


def without_suspect(content: Content, current: Content, suspect: dict[str, int | str]) -> Content:
    """``content`` with each suspect date taken from ``current``: it alone is never an edit."""
    keep = {name: getattr(current, name) for field_name in suspect for name in _DATE_FIELDS.get(field_name, ())}
    return replace(content, **keep) if keep else content
