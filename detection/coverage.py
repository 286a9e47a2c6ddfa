"""Per-group field coverage of runs, judged from the store (see changes.coverage).

Each finished run keeps its coverage and the groups it held in ``runs.stats``; the
baseline of a run is the coverage of the site's recent healthy runs, without the
groups those runs held, so a redesign never becomes the new normal by repetition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from changes import Content, Coverage, CoveragePolicy, Outcome, degradation, drops, merge, tally
from store import events as rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

BASELINE_RUNS = 5
"""Recent healthy runs whose coverage makes a group's baseline."""


@dataclass
class GroupHealth:
    coverage: Coverage = field(default_factory=dict)
    held: dict[str, list[str]] = field(default_factory=dict)
    """Groups whose coverage dropped in this run -> the fields that dropped."""
    newly_held: dict[str, list[str]] = field(default_factory=dict)
    """Of those, the ones the previous run did not hold: each is told to the operator once."""


def judge_groups(s: Session, site_id: int, run_id: int, policy: CoveragePolicy) -> GroupHealth:
    pages = []
    for outcome, reason, meta in rows.group_pages(s, run_id):
        parsed = outcome == Outcome.OK
        if parsed or (reason or "").startswith("parse failed"):
            meta = meta or {}
            pages.append((meta.get("group") or "/", parsed, meta.get("missing") or ()))
    coverage = tally(pages)
    earlier = rows.earlier_runs(s, site_id, run_id, BASELINE_RUNS * 4)
    healthy = [stats or {} for health, stats in earlier if health == "ok"][:BASELINE_RUNS]
    baseline = merge(
        {g: c for g, c in stats.get("coverage", {}).items() if g not in stats.get("held_groups", {})}
        for stats in healthy
    )
    held = drops(coverage, baseline, policy)
    before = set((earlier[0][1] or {}).get("held_groups", {})) if earlier else set()
    return GroupHealth(coverage, held, {g: f for g, f in held.items() if g not in before})


def held_groups(stats: dict | None) -> set[str]:
    """The groups a finished run held, from its stored stats."""
    return set((stats or {}).get("held_groups", {}))


def degraded_read(
    s: Session, article_id: int, current: int, new: int, meta: dict | None, policy: CoveragePolicy
) -> str:
    """Why the capture showing version ``new`` is a bad read against ``current``, or ""."""
    before, after = (Content.from_json(rows.version_content(s, v)) for v in (current, new))
    last = rows.last_meta_of_version(s, article_id, current)
    return (
        degradation(
            before,
            after,
            missing_now=(meta or {}).get("missing") or (),
            missing_before=(last or {}).get("missing") or (),
            policy=policy,
        )
        or ""
    )
