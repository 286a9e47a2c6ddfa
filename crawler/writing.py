"""The capture writer: archives captures on its own thread, one transaction per batch.

Scrapy's reactor thread only hands a fetch over; parsing and judging (the ``judge``
the pipeline gives), compression, hashing and SQL run here, so fetching goes on while
a page is read and a batch commits. The queue is bounded: when it is full the
pipeline's ``put`` returns a Deferred that fires once there is room, so Scrapy holds
the item (and, its scraper slot filling up, stops downloading) instead of dropping it.
Nothing is ever dropped silently: a capture is either committed, or counted as not
stored (``crawler.errors``), or, after a store error has stopped the run, counted as
unwritten.

A capture not yet committed when the process dies is simply absent; its article stays
leased to the dead run until the lease ends and is then fetched again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import defer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from changes import Schedule
    from store.writer import Archive, CaptureJob

logger = logging.getLogger(__name__)

BATCH = 64
"""Most captures per transaction: enough to pay one commit and one ledger-lock hold for
many, few enough that a batch lost to a crash or a store error costs little."""
QUEUE = 256
"""Captures waiting for the writer before the pipeline makes Scrapy wait (about 35 MB of
130 KB pages)."""
_STOP = object()


class Listener:
    """What the writer reports, always called on the thread ``call`` hands it to."""

    def written(self, jobs: Sequence[CaptureJob]) -> None: ...

    def not_stored(self, job: CaptureJob, exc: Exception) -> None: ...

    def store_failed(self, exc: SQLAlchemyError) -> None: ...

    def unwritten(self, count: int) -> None: ...


class CaptureWriter:
    """One thread that records (run id, job) pairs through ``archive.record_many``.

    With a ``judge``, what is put is whatever it turns into a job (the pipeline puts
    Scrapy items and parses them here); a judge that raises costs that capture only,
    counted as not stored.
    ``call`` runs a report on the caller's side (``reactor.callFromThread`` in a crawl);
    ``put`` and the reports belong to that side, the rest to the writer thread.
    """

    def __init__(
        self,
        archive: Archive,
        listener: Listener,
        *,
        schedule: Schedule | None = None,
        call: Callable[..., Any] | None = None,
        judge: Callable[[Any], CaptureJob] | None = None,
        batch: int = BATCH,
        size: int = QUEUE,
    ) -> None:
        if call is None:
            from twisted.internet import reactor

            call = reactor.callFromThread
        self.archive = archive
        self.listener = listener
        self.schedule = schedule
        self.judge = judge
        self.batch = batch
        self._call = call
        self._queue: queue.Queue = queue.Queue(maxsize=size)
        self._waiting: deque[tuple[tuple[int, CaptureJob], defer.Deferred]] = deque()
        self.failed: SQLAlchemyError | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="palimpsest-writer", daemon=True)
        self._thread.start()

    # -- the caller's side ------------------------------------------------------------

    def put(self, run_id: int, job: Any) -> defer.Deferred | None:
        """Queue a capture; a Deferred when the queue is full, fired once it is queued."""
        if not self._waiting:
            try:
                self._queue.put_nowait((run_id, job))
                return None
            except queue.Full:
                pass
        waiting: defer.Deferred = defer.Deferred()
        self._waiting.append(((run_id, job), waiting))
        return waiting

    def _refill(self) -> None:
        """Move captures held back by a full queue into it, oldest first."""
        while self._waiting:
            try:
                self._queue.put_nowait(self._waiting[0][0])
            except queue.Full:
                return
            self._waiting.popleft()[1].callback(None)

    def close(self, timeout: float | None = None) -> bool:
        """Write what is queued and stop the thread (blocking); False if it is still writing."""
        self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the writer thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            while items[-1] is not _STOP and len(items) < self.batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = items[-1] is _STOP
            if stop:
                items.pop()
            if self._waiting:
                self._call(self._refill)
            if items:
                self._write(items)
            if stop:
                return

    def _write(self, items: list[tuple[int, CaptureJob]]) -> None:
        if self.failed is not None:  # the run is stopping: nothing more goes in
            self._call(self.listener.unwritten, len(items))
            return
        if self.judge is not None:
            items = self._judged(items)
        left = len(items)  # not yet written: what a store error loses
        for run_id, jobs in _by_run(items):
            try:
                self.archive.record_many(run_id, jobs, schedule=self.schedule)
            except SQLAlchemyError as exc:
                self._store_failed(exc, left)
                return
            except Exception:  # a bug with one capture must not cost the batch: one at a time
                logger.exception("a batch of %d captures failed; writing them one by one", len(jobs))
                if not self._one_by_one(run_id, jobs, left):
                    return
                left -= len(jobs)
                continue
            left -= len(jobs)
            self.written += len(jobs)
            self._call(self.listener.written, jobs)

    def _judged(self, items: list[tuple[int, Any]]) -> list[tuple[int, CaptureJob]]:
        jobs = []
        for run_id, item in items:
            try:
                jobs.append((run_id, self.judge(item)))
            except Exception as exc:
                logger.exception("a capture could not be judged; it is not stored")
                self._call(self.listener.not_stored, item, exc)
        return jobs

    def _one_by_one(self, run_id: int, jobs: list[CaptureJob], left: int) -> bool:
        for job in jobs:
            try:
                self.archive.record_many(run_id, [job], schedule=self.schedule)
            except SQLAlchemyError as exc:
                self._store_failed(exc, left)
                return False
            except Exception as exc:
                logger.exception("capture of %s not stored", job.fetched.url)
                self._call(self.listener.not_stored, job, exc)
                left -= 1
                continue
            left -= 1
            self.written += 1
            self._call(self.listener.written, [job])
        return True

    def _store_failed(self, exc: SQLAlchemyError, lost: int) -> None:
        self.failed = exc
        self._call(self.listener.store_failed, exc)
        self._call(self.listener.unwritten, lost)


def _by_run(items: list[tuple[int, CaptureJob]]) -> list[tuple[int, list[CaptureJob]]]:
    """Consecutive jobs of one run, in order (a crawl has one run; tests may have more)."""
    groups: list[tuple[int, list[CaptureJob]]] = []
    for run_id, job in items:
        if groups and groups[-1][0] == run_id:
            groups[-1][1].append(job)
        else:
            groups.append((run_id, [job]))
    return groups
