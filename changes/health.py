"""Judge one run of one site: healthy, parser broken or unreachable.

A broken run's observations are not trusted (no edits, no deletions from it) and one
operator event says why: a site redesign or an outage must never look like a wave of
stealth edits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from changes.settings import setting


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
    gone_not_found: int = 0
    """Gone pages that answered 404/410 with the site's own not-found page (part of ``gone``)."""
    parse_failed: int = 0
    """Article pages that answered 200 but did not parse (part of ``transient``)."""
    missing_fields: int = 0
    """``ok`` pages that lacked a field the parser usually finds (date, views)."""
    listings: int = 0
    """Listing and feed captures."""
    listings_ok: int = 0


@dataclass(frozen=True)
class HealthPolicy:
    broken_share: float = setting(
        "broken_share",
        0.5,
        "Share of failing pages at which a run is judged broken and its alerts held.",
        low=0,
        high=1,
        low_ok=False,
    )
    min_pages: int = setting(
        "min_pages",
        4,
        "Fewer article fetches than this in a run are too few to judge the site by.",
        low=1,
        high=1_000_000,
    )


@dataclass(frozen=True)
class Health:
    status: HealthStatus
    reason: str

    @property
    def trusted(self) -> bool:
        return self.status == HealthStatus.OK


def _purge(stats: RunStats, policy: HealthPolicy) -> Health | None:
    """Many pages gone while the site otherwise answers: deletions to report, not an outage.

    The gone pages must be the site's own not-found page (a bare server 404 can be an
    application that is down), every listing must have answered, and what failed for
    other reasons must stay under the broken share on its own.
    """
    if not stats.listings or stats.listings_ok < stats.listings:
        return None
    if stats.gone_not_found * 2 <= stats.gone:
        return None
    if (stats.transient + stats.blocked) / stats.pages >= policy.broken_share:
        return None
    return Health(HealthStatus.OK, f"{stats.gone} of {stats.pages} pages gone while the listings answer: deletions")


def is_mass_deletion(deleted: int, stats: RunStats, policy: HealthPolicy) -> bool:
    """Deletions confirmed in one run that deserve one summary alert besides their own."""
    return deleted >= policy.min_pages and deleted >= policy.broken_share * stats.pages


def judge(stats: RunStats, policy: HealthPolicy) -> Health:
    fetched = stats.pages + stats.listings
    if fetched == 0:
        return Health(HealthStatus.OK, "nothing was due")
    if stats.ok == 0 and stats.listings_ok == 0:
        if stats.transient + stats.blocked == 0 and stats.listings == 0:
            return Health(
                HealthStatus.INCONCLUSIVE,
                f"only gone pages ({stats.gone}): no other page answered to "
                "show the site works, so no deletion is confirmed",
            )
        return Health(HealthStatus.UNREACHABLE, f"none of {fetched} fetches answered normally")
    if stats.pages >= policy.min_pages:
        failed = stats.transient + stats.blocked + stats.gone
        if failed / stats.pages >= policy.broken_share and (purge := _purge(stats, policy)):
            return purge
        if failed / stats.pages >= policy.broken_share:
            what = f"{failed} of {stats.pages} pages failed"
            if stats.parse_failed * 2 >= failed:
                return Health(HealthStatus.PARSER_BROKEN, f"{what} ({stats.parse_failed} did not parse)")
            return Health(HealthStatus.UNREACHABLE, what)
    if stats.ok >= policy.min_pages and stats.missing_fields / stats.ok >= policy.broken_share:
        return Health(
            HealthStatus.PARSER_BROKEN, f"{stats.missing_fields} of {stats.ok} pages lost fields the parser reads"
        )
    return Health(HealthStatus.OK, f"{stats.ok} of {stats.pages} pages read")
