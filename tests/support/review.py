"""The review tests' scenario: real crawls of the local site with edits, a move, a merge, a
deletion and a restore, and an article whose text carries script payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from localsite import LocalSite
from palimpsest.crawl import crawl_isolated
from tests.support import site_config

if TYPE_CHECKING:
    from store.db import Store

EDITED, XSS, GONE, DATED = 700101, 700104, 700107, 700108
XSS_PAYLOADS = (
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "javascript:window.__xss = 3",
    '<a href="javascript:window.__xss=4">click</a> <svg onload="window.__xss=5"></svg>',
)


@dataclass
class Crawled:
    """The store, the site's URLs and the archive's article ids for the scenario's articles."""

    url: str
    store: Store
    site: LocalSite
    ids: dict[int, int]
    """Local-site article id → archive article id."""
    moved: str
    """The paragraph of EDITED that moved to the end in v2."""


def scenario(site: LocalSite, store_url: str) -> None:
    config = site_config(site, store_url)
    views = 1000

    def crawl() -> None:
        nonlocal views
        views += 850
        site.set_views(EDITED, views)
        [run] = crawl_isolated(config)
        assert run.health == "ok", run

    crawl()  # v1 of everything
    a = site.get(EDITED)
    first, second, *rest = a.body
    # v2: headline and a number edited, the first paragraph moved to the end with a word changed.
    site.edit(
        EDITED,
        headline=a.headline.replace("Postpones", "Cancels"),
        body=[second.replace("2.5 million", "3.1 million"), *rest, first.replace("Monday", "Tuesday")],
    )
    x = site.get(XSS)
    site.edit(XSS, headline=f"{x.headline} {XSS_PAYLOADS[0]}", body=[*x.body, *XSS_PAYLOADS[1:]])
    site.edit(DATED, date=datetime(2025, 9, 1, 8, 3))
    crawl()
    # v3: two paragraphs merged into one.
    body = site.get(EDITED).body
    site.edit(EDITED, body=[body[0], f"{body[1]} {body[2]}", *body[3:]])
    site.delete(GONE, "404")
    crawl()
    site.restore(GONE)
    crawl()
