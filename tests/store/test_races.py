"""Two writers storing the same blob or the same new article at once: neither fails.

The second writer's transaction starts while the first, which has inserted the row,
has not committed yet: it cannot see the row, so it inserts too. The unique key must
decide (INSERT … ON CONFLICT DO NOTHING), or the whole capture of the loser is lost.
On SQLite the write lock makes the second writer wait before it looks, which is
correct too; PostgreSQL is where the race really runs.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from changes import Outcome, Verdict
from changes.records import Fetched
from store.blobs import BlobStore
from store.db import Store
from store.models import Article, Blob, Capture
from store.writer import Archive

URL = "https://example.org/en/news/2025/10/7/1/"


def in_two_transactions(store: Store, write) -> list[BaseException]:
    """``write`` in a first transaction, then in a second one begun before the first commits."""
    errors: list[BaseException] = []
    first_wrote = threading.Event()

    def second() -> None:
        first_wrote.wait(10)
        try:
            with store.session() as s:
                write(s)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    if store.dialect == "sqlite":
        first_wrote.set()  # SQLite: the second waits for the write lock the first holds
    with store.session() as s:
        write(s)
        first_wrote.set()
        time.sleep(0.5)  # the second is now inside its own transaction, waiting on our row
    thread.join(20)
    assert not thread.is_alive()
    return errors


def test_the_same_blob_stored_twice_at_once(store_url):
    store = Store(store_url).upgrade()
    data = b"<html>the same feed, fetched by two workers</html>" * 50
    try:
        errors = in_two_transactions(store, lambda s: BlobStore().put(s, data))
        assert errors == []
        with store.reader() as s:
            assert s.scalar(select(func.count()).select_from(Blob)) == 1
        with store.reader() as s:
            assert BlobStore().get(s, s.scalars(select(Blob.sha256)).one()) == data
    finally:
        store.close()


def test_the_same_new_article_recorded_by_two_runs_at_once(store_url):
    store = Store(store_url).upgrade()
    archive = Archive(store)
    runs = [archive.start_run("site", "generic") for _ in range(2)]
    try:

        def record(s):
            article = archive._article_for(s, archive._run_site(runs[0])[0], URL, datetime.now(UTC))
            assert article.url == URL

        assert in_two_transactions(store, record) == []
        # And through the public path, both captures are kept, chained one after the other.
        fetched = Fetched(kind="article", url=URL, fetched_at=datetime.now(UTC), status=503, body=b"busy")
        threads = [
            threading.Thread(
                target=archive.record,
                args=(r, fetched, Verdict(Outcome.TRANSIENT, "http 503")),
                kwargs={"article_url": URL},
            )
            for r in runs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        with store.reader() as s:
            assert s.scalar(select(func.count()).select_from(Article)) == 1
            assert s.scalar(select(func.count()).select_from(Capture)) == 2
    finally:
        store.close()
