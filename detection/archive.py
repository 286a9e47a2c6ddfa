"""The store's writer with the run's finishing side: what a crawl holds as its archive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detection.run import RunResult, finish_run
from store.writer import Archive as Writer

if TYPE_CHECKING:
    from datetime import datetime

    from changes import HealthPolicy, Policy


class Archive(Writer):
    """``store.writer.Archive`` (runs, frontier, captures) plus ``finish_run`` (detection).

    The writer stays persistence only; this is the one place the two meet, so code that
    holds an archive finishes a run the way it records one.
    """

    def finish_run(
        self,
        run_id: int,
        *,
        policy: Policy,
        health_policy: HealthPolicy,
        now: datetime | None = None,
        aborted: bool = False,
    ) -> RunResult:
        return finish_run(
            self.store, run_id, policy=policy, health_policy=health_policy, route=self.route, now=now, aborted=aborted
        )
