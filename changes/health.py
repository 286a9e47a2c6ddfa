"""Judge one run of one site: healthy, parser broken or unreachable.

A broken run's observations are not trusted (no edits, no deletions from it) and one
operator event says why: a site redesign or an outage must never look like a wave of
stealth edits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HealthStatus(StrEnum):
    """The verdict on a run (and a site's health: its last finished run's)."""

    OK = "ok"
    PARSER_BROKEN = "parser_broken"
    UNREACHABLE = "unreachable"
    INCONCLUSIVE = "inconclusive"
    """Nothing answered normally, but nothing failed either: only gone pages, so no
    deletion can be confirmed."""


@dataclass(frozen=True)
class RunStats:
    """Counts over one run's captures."""

    pages: int = 0
    """Article captures."""
    ok: int = 0
    transient: int = 0
    blocked: int = 0
    gone: int = 0
    parse_failed: int = 0
    """Article pages that answered 200 but did not parse (part of ``transient``)."""
    missing_fields: int = 0
    """``ok`` pages that lacked a field the parser usually finds (date, views)."""
    listings: int = 0
    """Listing and feed captures."""
    listings_ok: int = 0


@dataclass(frozen=True)
class HealthPolicy:
    broken_share: float = 0.5
    """Share of failing (or field-losing) pages at which a run is judged broken."""
    min_pages: int = 4
    """Fewer pages than this are too few to judge a parser by."""


@dataclass(frozen=True)
class Health:
    status: HealthStatus
    reason: str

    @property
    def trusted(self) -> bool:
        return self.status == HealthStatus.OK


def judge(stats: RunStats, policy: HealthPolicy) -> Health:
    fetched = stats.pages + stats.listings
    if fetched == 0:
        return Health(HealthStatus.OK, "nothing was due")
    if stats.ok == 0 and stats.listings_ok == 0:
        if stats.transient + stats.blocked == 0 and stats.listings == 0:
            return Health(HealthStatus.INCONCLUSIVE, f"only gone pages ({stats.gone}): no other page answered to "
                                          "show the site works, so no deletion is confirmed")
        return Health(HealthStatus.UNREACHABLE, f"none of {fetched} fetches answered normally")
    if stats.pages >= policy.min_pages:
        failed = stats.transient + stats.blocked + stats.gone
        if failed / stats.pages >= policy.broken_share:
            what = f"{failed} of {stats.pages} pages failed"
            if stats.parse_failed * 2 >= failed:
                return Health(HealthStatus.PARSER_BROKEN, f"{what} ({stats.parse_failed} did not parse)")
            return Health(HealthStatus.UNREACHABLE, what)
    if stats.ok >= policy.min_pages and stats.missing_fields / stats.ok >= policy.broken_share:
        return Health(HealthStatus.PARSER_BROKEN,
                      f"{stats.missing_fields} of {stats.ok} pages lost fields the parser reads")
    return Health(HealthStatus.OK, f"{stats.ok} of {stats.pages} pages read")
