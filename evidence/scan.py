"""Reading captures in bounded chunks, in the order that keeps delta bases cached."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import tuple_

from store.models import Capture

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from store.db import Store


CHUNK = 1000


def snapshot(store: Store) -> Session:
    """A read session whose queries all see one state of the store (caller closes it)."""
    session = store.reader()
    if store.dialect == "postgresql":  # READ COMMITTED would see captures appear mid-scan
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # SQLite: the reader's deferred BEGIN holds one WAL snapshot until the session ends.
    return session


def keyset(s: Session, query: Callable[[Any], Select], key: Callable[[Any], Any], chunk: int = CHUNK) -> Iterator[Any]:
    """Rows of ``query(bound)`` chunk by chunk; ``key(last row)`` is the next bound.

    Memory holds one chunk whatever the table size, and each chunk is an index range
    scan rather than an ever-growing OFFSET.
    """
    bound = None
    while True:
        rows = s.execute(query(bound).limit(chunk)).all()
        yield from rows
        s.expunge_all()  # objects already handed out are not kept by the session
        if len(rows) < chunk:
            return
        bound = key(rows[-1])


def captures_in_order(s: Session, base: Select, chunk: int = CHUNK) -> Iterator[Any]:
    """Rows of ``base`` (its first column a Capture): listings and feeds by id, then
    each article's captures in id order, article by article.

    A recapture's response is a delta on the article's previous one, so in this order
    its base was restored just before it and is still cached.
    """

    def others(bound: Any) -> Select:
        q = base.where(Capture.article_id.is_(None))
        return (q.where(Capture.id > bound) if bound is not None else q).order_by(Capture.id)

    def articles(bound: Any) -> Select:
        q = base.where(Capture.article_id.is_not(None))
        if bound is not None:
            q = q.where(tuple_(Capture.article_id, Capture.id) > tuple_(*bound))
        return q.order_by(Capture.article_id, Capture.id)

    yield from keyset(s, others, lambda row: row[0].id, chunk)
    yield from keyset(s, articles, lambda row: (row[0].article_id, row[0].id), chunk)
