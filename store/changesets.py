"""The change set of an event, as stored with it: the one copy alerts, ``diff`` and the review UI read.

Detection computes it once (``changes.compare``) and writes it with the event. Events
written before the column existed (migration ``0005``) have none stored; for those it
is computed here from the two versions, the same function on the same contents, so
the answer is the one detection would have stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from changes import ChangeSet, Content, EventKind, compare
from store.models import Event, Version

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

CHANGE_EVENTS = (EventKind.EDITED, EventKind.REVERTED, EventKind.RESTORED)
"""Events between two versions whose difference is worth a change set."""


def for_versions(s: Session, old_id: int, new_id: int) -> ChangeSet:
    """The change from version ``old_id`` to ``new_id``, computed (what detection stores)."""
    old, new = (Content.from_json(s.get(Version, v).content) for v in (old_id, new_id))
    return compare(old, new)


def of_event(s: Session, event: Event) -> ChangeSet | None:
    """The event's stored change set; computed for an event stored without one; None
    for events that are not between two versions (new, deleted, operator events)."""
    return with_versions(event, lambda v: s.get(Version, v))


def with_versions(event: Event, version: Callable[[int], Version | None]) -> ChangeSet | None:
    """As :func:`of_event`, the versions (for an old event) looked up by ``version(id)``:
    for callers that hold them already, after their session has closed."""
    if event.change_set is not None:
        return ChangeSet.from_json(event.change_set)
    if event.kind not in CHANGE_EVENTS or not event.from_version_id or not event.to_version_id:
        return None
    old, new = version(event.from_version_id), version(event.to_version_id)
    if old is None or new is None:
        return None
    return compare(Content.from_json(old.content), Content.from_json(new.content))


def between(s: Session, article_id: int, old_id: int, new_id: int) -> ChangeSet:
    """The change from ``old_id`` to ``new_id``: the one stored with the article's latest
    event between them when there is one, else computed (any other pair of versions)."""
    event = s.scalars(
        select(Event)
        .where(
            Event.article_id == article_id,
            Event.from_version_id == old_id,
            Event.to_version_id == new_id,
            Event.kind.in_(CHANGE_EVENTS),
        )
        .order_by(Event.id.desc())
        .limit(1)
    ).first()
    found = of_event(s, event) if event is not None else None
    return found if found is not None else for_versions(s, old_id, new_id)
