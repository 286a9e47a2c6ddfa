"""Field coverage per group, drops against a baseline, and per-article degradation."""

from __future__ import annotations

import pytest

from changes import Content, CoveragePolicy, degradation, drops, merge, tally

POLICY = CoveragePolicy(drop=0.5, min_pages=4)


def pages(group: str, n: int, missing: tuple[str, ...] = (), parsed: bool = True) -> list:
    return [(group, parsed, missing)] * n


def test_tally_and_merge() -> None:
    run = tally(pages("en", 3) + pages("en", 1, ("views",)) + pages("ru", 2, parsed=False))
    assert run == {"en": {"pages": 4, "views": 1}, "ru": {"pages": 2, "article": 2}}
    assert merge([run, run])["en"] == {"pages": 8, "views": 2}


CASES = [
    # (id, current, baseline, expected drops)
    ("steady", tally(pages("en", 6)), tally(pages("en", 6)), {}),
    (
        "one-group-loses-views",
        tally(pages("en", 6, ("views",)) + pages("ru", 6)),
        tally(pages("en", 6) + pages("ru", 6)),
        {"en": ["views"]},
    ),
    (
        "no-history-means-full-coverage",
        tally(pages("be", 5, ("published", "views"))),
        {},
        {"be": ["published", "views"]},
    ),
    ("usually-absent-stays-absent", tally(pages("en", 6, ("lead",))), tally(pages("en", 6, ("lead",))), {}),
    ("small-drop", tally(pages("en", 4) + pages("en", 2, ("views",))), tally(pages("en", 6)), {}),
    ("too-few-pages-now", tally(pages("en", 3, ("views",))), tally(pages("en", 6)), {}),
    ("too-few-pages-before", tally(pages("en", 6, ("views",))), tally(pages("en", 2)), {}),
    ("parse-failures", tally(pages("en", 5, parsed=False)), tally(pages("en", 5)), {"en": ["article"]}),
]


@pytest.mark.parametrize(("current", "baseline", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_drops(current, baseline, want) -> None:
    assert drops(current, baseline, POLICY) == want


OLD = Content.build(headline="H", body=["x" * 200, "y" * 200], published="2025-10-07T17:05:00+03:00")


@pytest.mark.parametrize(
    ("new", "now", "before", "want"),
    [
        (Content.build(headline="H", body=["x" * 200]), (), (), None),  # a real cut
        (Content.build(headline="H", body=["x" * 200, "y" * 200, "z"]), ("views",), (), "lost views"),
        (Content.build(headline="H", body=["x" * 200]), ("views",), ("views",), None),  # never had views
        (Content.build(headline="H", body=["Teaser."]), (), (), "body shrank to a fragment (7 of 400 characters)"),
    ],
)
def test_degradation(new, now, before, want) -> None:
    assert degradation(OLD, new, missing_now=now, missing_before=before, policy=POLICY) == want
