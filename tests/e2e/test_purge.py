"""A mass deletion while the site otherwise answers is reported as deletions, never as an outage.

The local site deletes most of its articles (404 with its own not-found page) while its
listings and the remaining articles answer normally. Every deleted article gets its
event, the run gets one summary alert, and no run reads as "unreachable".
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from localsite import LocalSite, make_articles
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Alert, Event
from tests.support import site_config

pytestmark = pytest.mark.slow


def test_a_purge_is_deletions_and_one_summary_never_an_outage(store_url):
    site = LocalSite(make_articles(16, seed=5), listing_page_size=16).start()
    store = Store(store_url).upgrade()
    try:
        config = site_config(
            site, store_url, delete_confirmations=2, notify=[{"url": "json://127.0.0.1:9/hook", "name": "watch"}]
        )
        [first] = crawl_isolated(config)
        assert first.health == "ok", first
        purged = [a.id for a in site.articles()][:12]
        for article_id in purged:
            site.delete(article_id, "404")

        [seen_once] = crawl_isolated(config)  # one gone capture each: not yet confirmed
        assert seen_once.health == "ok", seen_once
        [confirmed] = crawl_isolated(config)
        assert confirmed.health == "ok", confirmed
        assert "deletions" in confirmed.reason
        [after] = crawl_isolated(config)
        assert after.health == "ok", after

        with store.reader() as s:
            kinds = Counter(s.scalars(select(Event.kind)))
            by_run = Counter(s.execute(select(Event.run_id, Event.kind)).all())
            alerted = Counter(s.scalars(select(Event.kind).join(Alert, Alert.event_id == Event.id)))
            [summary] = s.scalars(select(Event).where(Event.kind == "mass_deletion"))
        assert kinds == {"new": 16, "deleted": 12, "mass_deletion": 1}, kinds
        assert by_run[(confirmed.run_id, "deleted")] == 12
        assert summary.run_id == confirmed.run_id and summary.details["deleted"] == 12
        assert alerted == {"deleted": 12, "mass_deletion": 1}
    finally:
        store.close()
        site.stop()
