"""judge(): one run of one site, healthy or broken, as a table of run counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.health import Health, HealthPolicy, RunStats, is_mass_deletion, judge

DEFAULT = HealthPolicy()  # broken_share 0.5, min_pages 4

CASES = [
    # (id, stats, policy, status, reason fragment)
    ("nothing-due", RunStats(), DEFAULT, "ok", "nothing was due"),
    ("all-ok", RunStats(pages=10, ok=10, listings=2, listings_ok=2), DEFAULT, "ok", "10 of 10 pages read"),
    ("listings-only", RunStats(listings=2, listings_ok=2), DEFAULT, "ok", ""),
    ("minority-fails", RunStats(pages=10, ok=6, transient=4), DEFAULT, "ok", "6 of 10"),
    # Unreachable: nothing answered normally.
    (
        "nothing-answered",
        RunStats(pages=5, transient=5, listings=1),
        DEFAULT,
        "unreachable",
        "none of 6 fetches answered normally",
    ),
    ("only-listing-failed", RunStats(listings=2), DEFAULT, "unreachable", "none of 2"),
    ("all-blocked", RunStats(pages=3, blocked=3), DEFAULT, "unreachable", "none of 3"),
    ("one-page-timed-out", RunStats(pages=1, transient=1), DEFAULT, "unreachable", "none of 1"),
    # Only gone pages and nothing else to show the site is up.
    ("only-gone", RunStats(pages=3, gone=3), DEFAULT, "inconclusive", "only gone pages (3)"),
    ("gone-and-a-failed-listing", RunStats(pages=3, gone=3, listings=1), DEFAULT, "unreachable", ""),
    # A large share failing: fetches (unreachable) or parses (parser broken).
    (
        "half-transient",
        RunStats(pages=10, ok=5, transient=5, listings_ok=1, listings=1),
        DEFAULT,
        "unreachable",
        "5 of 10 pages failed",
    ),
    ("half-blocked", RunStats(pages=10, ok=5, blocked=5), DEFAULT, "unreachable", "5 of 10"),
    ("mostly-gone", RunStats(pages=10, ok=4, gone=6), DEFAULT, "unreachable", "6 of 10"),
    (
        "half-did-not-parse",
        RunStats(pages=10, ok=5, transient=5, parse_failed=5),
        DEFAULT,
        "parser_broken",
        "(5 did not parse)",
    ),
    (
        "parse-failures-half-of-failures",
        RunStats(pages=10, ok=4, transient=6, parse_failed=3),
        DEFAULT,
        "parser_broken",
        "6 of 10 pages failed (3 did not parse)",
    ),
    (
        "parse-failures-under-half-of-failures",
        RunStats(pages=10, ok=4, transient=6, parse_failed=2),
        DEFAULT,
        "unreachable",
        "6 of 10",
    ),
    ("just-under-share", RunStats(pages=10, ok=6, transient=4, parse_failed=4), DEFAULT, "ok", ""),
    # Too few pages to judge by.
    ("too-few-pages", RunStats(pages=3, ok=1, transient=2, parse_failed=2), DEFAULT, "ok", "1 of 3"),
    ("too-few-but-listing-ok", RunStats(pages=3, transient=3, listings=1, listings_ok=1), DEFAULT, "ok", "0 of 3"),
    ("min-pages-reached", RunStats(pages=4, ok=2, transient=2, parse_failed=2), DEFAULT, "parser_broken", ""),
    ("min-pages-raised", RunStats(pages=4, ok=2, transient=2, parse_failed=2), HealthPolicy(min_pages=5), "ok", ""),
    ("stricter-share", RunStats(pages=10, ok=8, transient=2), HealthPolicy(broken_share=0.2), "unreachable", "2 of 10"),
    (
        "min-pages-one",
        RunStats(pages=1, ok=0, transient=1, parse_failed=1, listings=1, listings_ok=1),
        HealthPolicy(min_pages=1),
        "parser_broken",
        "1 of 1",
    ),
    # Pages that parse but lose the fields the parser usually finds (a quiet redesign).
    (
        "missing-fields-half",
        RunStats(pages=10, ok=10, missing_fields=5),
        DEFAULT,
        "parser_broken",
        "5 of 10 pages lost fields",
    ),
    ("missing-fields-few", RunStats(pages=10, ok=10, missing_fields=4), DEFAULT, "ok", ""),
    (
        "missing-fields-too-few-ok",
        RunStats(pages=10, ok=3, transient=1, missing_fields=3, listings=1, listings_ok=1),
        DEFAULT,
        "ok",
        "",
    ),
    ("missing-fields-all", RunStats(pages=4, ok=4, missing_fields=4), DEFAULT, "parser_broken", "4 of 4"),
    # A purge: most pages answer the site's own not-found page while listings and the
    # other pages answer normally. Deletions, never an outage.
    (
        "purge",
        RunStats(pages=10, ok=2, gone=8, gone_not_found=8, listings=2, listings_ok=2),
        DEFAULT,
        "ok",
        "8 of 10 pages gone",
    ),
    (
        "purge-of-every-rechecked-page",
        RunStats(pages=6, gone=6, gone_not_found=6, listings=2, listings_ok=2),
        DEFAULT,
        "ok",
        "6 of 6 pages gone",
    ),
    (
        "purge-with-a-few-timeouts",
        RunStats(pages=10, ok=2, gone=6, gone_not_found=6, transient=2, listings=2, listings_ok=2),
        DEFAULT,
        "ok",
        "6 of 10 pages gone",
    ),
    (
        "bare-404s-are-an-outage",
        RunStats(pages=10, ok=2, gone=8, gone_not_found=0, listings=2, listings_ok=2),
        DEFAULT,
        "unreachable",
        "8 of 10",
    ),
    (
        "purge-but-a-listing-fails",
        RunStats(pages=10, ok=2, gone=8, gone_not_found=8, listings=2, listings_ok=1),
        DEFAULT,
        "unreachable",
        "8 of 10",
    ),
    ("purge-without-listings", RunStats(pages=10, ok=2, gone=8, gone_not_found=8), DEFAULT, "unreachable", ""),
    (
        "gone-and-failing",
        RunStats(pages=10, gone=4, gone_not_found=4, transient=6, listings=2, listings_ok=2),
        DEFAULT,
        "unreachable",
        "10 of 10",
    ),
]


@pytest.mark.parametrize(("stats", "policy", "status", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_judge(stats: RunStats, policy: HealthPolicy, status: str, reason: str) -> None:
    health = judge(stats, policy)
    assert health.status == status, health
    assert reason in health.reason
    assert health.trusted is (status == "ok")


@pytest.mark.parametrize(
    ("status", "trusted"), [("ok", True), ("parser_broken", False), ("unreachable", False), ("inconclusive", False)]
)
def test_only_ok_is_trusted(status: str, trusted: bool) -> None:
    assert Health(status, "why").trusted is trusted


_COUNT = st.integers(0, 12)


@settings(max_examples=60, deadline=None)
@given(
    ok=_COUNT,
    transient=_COUNT,
    blocked=_COUNT,
    gone=_COUNT,
    missing=_COUNT,
    listings=st.integers(0, 3),
    listings_ok=st.integers(0, 3),
    share=st.sampled_from([0.3, 0.5, 0.8]),
    min_pages=st.integers(1, 6),
    site_404=st.booleans(),
)
def test_judge_is_total_and_consistent(
    ok: int,
    transient: int,
    blocked: int,
    gone: int,
    missing: int,
    listings: int,
    listings_ok: int,
    share: float,
    min_pages: int,
    site_404: bool,
) -> None:
    listings_ok = min(listings_ok, listings)
    stats = RunStats(
        pages=ok + transient + blocked + gone,
        ok=ok,
        transient=transient,
        blocked=blocked,
        gone=gone,
        gone_not_found=gone if site_404 else 0,
        parse_failed=transient // 2,
        missing_fields=min(missing, ok),
        listings=listings,
        listings_ok=listings_ok,
    )
    policy = HealthPolicy(broken_share=share, min_pages=min_pages)
    health = judge(stats, policy)
    assert health.status in ("ok", "parser_broken", "unreachable", "inconclusive")
    assert health.reason
    if health.trusted and stats.pages >= min_pages and not site_404:
        assert (transient + blocked + gone) / stats.pages < share
    if ok == stats.pages and stats.pages and missing == 0:
        assert health.trusted  # every page read and complete: never broken
    if health.trusted and stats.pages >= min_pages:
        assert (transient + blocked) / stats.pages < share  # a purge never hides an outage


@pytest.mark.parametrize(
    ("deleted", "pages", "mass"),
    [
        (0, 10, False),
        (3, 10, False),
        (4, 10, False),
        (5, 10, True),
        (8, 10, True),
        (4, 4, True),
        (3, 3, False),
    ],
)
def test_mass_deletion(deleted: int, pages: int, mass: bool) -> None:
    stats = RunStats(pages=pages, ok=pages - deleted, gone=deleted, gone_not_found=deleted, listings=1, listings_ok=1)
    assert is_mass_deletion(deleted, stats, DEFAULT) is mass
