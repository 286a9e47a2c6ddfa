"""Request pacing shared by every worker of a store: one rate slot per site.

Each worker claims the next slot of a site before sending it a request, in one
atomic statement that moves the slot on by the site's delay, and then waits until the
moment it claimed. However many processes or machines crawl the site, its requests
are spaced by the delay, and a pause (after a 429 or 503) holds them all.
On PostgreSQL the database's clock decides, so the workers' clocks never matter; a
SQLite store is one machine's, whose clock is the workers' own.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from store.db import Store

_NOW = {"postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)", "sqlite": ":now"}
_MAX = {"postgresql": "GREATEST", "sqlite": "max"}

# Upserts: the first claim of a site creates its row. RETURNING gives the wait.
_CLAIM = """
INSERT INTO rate_slots (site, next_at) VALUES (:site, {now} + :delay)
ON CONFLICT (site) DO UPDATE SET next_at = {max}(rate_slots.next_at, {now}) + :delay
RETURNING next_at - :delay - {now}
"""
_PAUSE = """
INSERT INTO rate_slots (site, next_at) VALUES (:site, {now} + :pause)
ON CONFLICT (site) DO UPDATE SET next_at = {max}(rate_slots.next_at, {now} + :pause)
"""


class Pacer:
    """Claims and pauses the rate slots of sites in one store (blocking calls: use a thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        dialect = store.dialect
        self._claim = text(_CLAIM.format(now=_NOW[dialect], max=_MAX[dialect]))
        self._pause = text(_PAUSE.format(now=_NOW[dialect], max=_MAX[dialect]))

    def claim(self, site: str, delay: float) -> float:
        """Take the site's next slot; returns the seconds to wait before sending (>= 0)."""
        with self.store.engine.begin() as conn:
            wait = conn.execute(self._claim, {"site": site, "delay": delay, "now": time.time()}).scalar_one()
        return max(0.0, wait)

    def pause(self, site: str, seconds: float) -> None:
        """No request to the site from any worker for ``seconds`` from now."""
        with self.store.engine.begin() as conn:
            conn.execute(self._pause, {"site": site, "pause": seconds, "now": time.time()})
