"""Odd values read from a page are recorded as suspect, and never alone make an edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from changes.suspect import EARLIEST, suspect_values
from crawler.parsing import parse_count

AT = datetime(2025, 10, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "want"), [("-5", -5), ("−12", -12), ("Views: -2 422", -2422), ("5", 5), ("co-2", 2), ("2-3", 2)]
)
def test_a_negative_count_reads_negative(text: str, want: int) -> None:
    assert parse_count(text) == want


@pytest.mark.parametrize(
    ("values", "suspect"),
    [
        ({"views": -5}, {"views": -5}),
        ({"comments": -1}, {"comments": -1}),
        ({"views": 0, "comments": 0}, {}),
        ({"published": "2099-01-01T00:00:00+03:00"}, {"published": "2099-01-01T00:00:00+03:00"}),
        ({"published": (AT + timedelta(hours=2)).isoformat()}, {}),  # clocks and zones differ a little
        ({"published": (AT + timedelta(days=2)).isoformat()}, {"published": (AT + timedelta(days=2)).isoformat()}),
        ({"published": "1970-01-01T00:00:00+00:00"}, {"published": "1970-01-01T00:00:00+00:00"}),
        ({"updated": "2099-01-01T00:00:00+00:00"}, {"updated": "2099-01-01T00:00:00+00:00"}),
        ({"published": "2025-10-07T10:00:00+03:00", "views": 2422}, {}),
    ],
)
def test_suspect_values(values: dict, suspect: dict) -> None:
    assert suspect_values(at=AT, **values) == suspect


def test_the_earliest_plausible_date_can_be_raised_per_site() -> None:
    assert suspect_values(at=AT, published="1999-05-01T00:00:00+00:00") == {}
    assert EARLIEST.year < 1999
    founded = datetime(2000, 1, 1, tzinfo=UTC)
    assert suspect_values(at=AT, published="1999-05-01T00:00:00+00:00", earliest=founded) == {
        "published": "1999-05-01T00:00:00+00:00"
    }
