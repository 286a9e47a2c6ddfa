"""Fixtures of the evidence tests: stores on both backends, empty or filled like production."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from store.db import Store
from tests.support.evidence import ARTICLE_A, ARTICLE_B, PARAS, Filler

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _own_folder(tmp_path, monkeypatch) -> None:
    """Each test in a folder of its own: the default key and heads file are relative paths
    (``LogSettings``), and a crawl elsewhere in the suite may have left both in the cwd."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty, upgraded store on SQLite or PostgreSQL (``store_url`` in tests/conftest.py)."""
    opened = Store(store_url).upgrade()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def filled(store: Store) -> Store:
    """A store with views-only recaptures, an edit, an identical recapture, a timeout,
    a 404 and a listing, written by one run that is then finished."""
    f = Filler(store)
    f.listing("https://example.org/", [ARTICLE_A, ARTICLE_B])
    for views in (10, 25, 40):
        f.article(ARTICLE_A, "Minister resigns", PARAS, views=views)
    f.article(ARTICLE_B, "Storm hits coast", ["Winds of 120 km/h."], views=3, framing="chunked")
    f.timeout(ARTICLE_A)
    for _ in range(2):  # byte-identical pages: the second is a revisit in a WARC
        f.article(ARTICLE_A, "Minister resigns after vote", PARAS + ["Update: a new line."], views=55, clock="18:00")
    f.gone(ARTICLE_B)
    f.finish()
    return store
