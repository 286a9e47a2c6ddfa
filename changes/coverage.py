"""Parser health per field and per group, and per-article parse degradation.

A site's sections, editions and templates break separately: a redesign of one of them
leaves the run's overall share of bad pages low, yet every article in it would read as
edited. So each run's pages are tallied per group (section, edition or template), the
coverage of each promised field is compared with that group's own recent runs
(spidermon's field-coverage idea), and a group whose coverage dropped is held: its
articles make no edit or deletion until the parser reads it as before.

Per article, a new version whose capture lost a promised field that the version it
would replace had, or whose body shrank to a fragment, is a parse degradation, never an
edit. Pure functions over plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from changes.health import HealthPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from changes.content import Content

PARSED = "article"
"""Pseudo-field: the page parsed at all (a parse failure loses every field)."""

Coverage = dict[str, dict[str, int]]
"""group -> {"pages": pages that answered 200, field: pages lacking it}; JSON-ready."""


@dataclass(frozen=True)
class CoveragePolicy:
    """Not settings of their own: a site's ``broken_share`` and ``min_pages`` serve here too."""

    drop: float = HealthPolicy.broken_share
    """A field's coverage in a group falling by this much (share of pages) is a drop."""
    min_pages: int = HealthPolicy.min_pages
    """Groups with fewer answered pages than this, now or in the baseline, are not judged."""
    fragment: float = 0.25
    """A body shorter than this share of the version it would replace is a fragment…"""
    fragment_min_chars: int = 300
    """…when that version's body had at least this many characters."""


def tally(pages: Iterable[tuple[str, bool, Sequence[str]]]) -> Coverage:
    """Coverage of one run from (group, parsed, missing promised fields) per answered page."""
    out: Coverage = {}
    for group, parsed, missing in pages:
        counts = out.setdefault(group, {"pages": 0})
        counts["pages"] += 1
        for name in missing if parsed else (PARSED,):
            counts[name] = counts.get(name, 0) + 1
    return out


def merge(coverages: Iterable[Coverage]) -> Coverage:
    """Several runs' coverage added up (a baseline)."""
    out: Coverage = {}
    for coverage in coverages:
        for group, counts in coverage.items():
            total = out.setdefault(group, {"pages": 0})
            for name, n in counts.items():
                total[name] = total.get(name, 0) + n
    return out


def drops(current: Coverage, baseline: Coverage, policy: CoveragePolicy) -> dict[str, list[str]]:
    """Groups whose coverage of some fields fell against the baseline: group -> fields.

    A group with no history is judged against full coverage, since the parser promised
    those fields; a group with too few pages is not judged at all.
    """
    found: dict[str, list[str]] = {}
    for group, counts in sorted(current.items()):
        pages = counts["pages"]
        base = baseline.get(group)
        if pages < policy.min_pages or (base is not None and base["pages"] < policy.min_pages):
            continue
        fields = []
        for name in sorted(set(counts) - {"pages"}):
            before = 1.0 - (base.get(name, 0) / base["pages"] if base else 0.0)
            now = 1.0 - counts[name] / pages
            if before - now >= policy.drop:
                fields.append(name)
        if fields:
            found[group] = fields
    return found


def describe(dropped: Mapping[str, Sequence[str]], current: Coverage) -> str:
    """One line naming each dropped group, its fields and how many of its pages lacked them."""
    parts = []
    for group, fields in dropped.items():
        counts = current[group]
        named = ", ".join(f"{f} ({counts[f]} of {counts['pages']} pages lack it)" for f in fields)
        parts.append(f"group {group!r}: {named}")
    return "field coverage dropped in " + "; ".join(parts)


def degradation(
    before: Content,
    after: Content,
    *,
    missing_now: Sequence[str],
    missing_before: Sequence[str],
    policy: CoveragePolicy,
) -> str | None:
    """Why the version ``after`` is a bad read of the page rather than an edit, or None.

    ``missing_*`` are the promised fields the two captures lacked. A promised field
    that the earlier capture had and this one lacks is lost; so is most of the body.
    """
    lost = sorted(set(missing_now) - set(missing_before))
    if lost:
        return "lost " + ", ".join(lost)
    old, new = sum(map(len, before.body)), sum(map(len, after.body))
    if old >= policy.fragment_min_chars and new < old * policy.fragment:
        return f"body shrank to a fragment ({new} of {old} characters)"
    return None
