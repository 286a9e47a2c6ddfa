"""A bounded soak: repeated crawls while the site edits, deletes, restores, fails and slows pages.

Afterwards every edit the site made is in the store, every alert matches a real change,
nothing is alerted twice, and the crawl's resident memory stays flat across the runs.
"""

from __future__ import annotations

import random
import resource
from collections import Counter

import pytest
from sqlalchemy import select

from localsite import LocalSite, make_articles
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Alert, Article, Event, Version
from tests.support import site_config

pytestmark = pytest.mark.slow

ROUNDS = 8
FAULTS = ["503", "timeout", "reset", "challenge", "captcha_redirect", "straybyte", "slow", "truncated"]


def test_soak(store_url):
    rng = random.Random(13)
    site = LocalSite(make_articles(14, seed=13), listing_page_size=14).start()
    site.timeout_delay = 3.0
    store = Store(store_url).upgrade()
    try:
        config = site_config(site, store_url, timeout=2.0, notify=[{"url": "json://127.0.0.1:9/hook", "name": "w"}])
        ids = [a.id for a in site.articles()]
        written = {a.id: {a.headline} for a in site.articles()}  # every headline the site served
        deleted: set[int] = set()
        deletions = restorations = 0
        rss = []
        for round_no in range(ROUNDS):
            clean = round_no in (0, ROUNDS - 1)
            if not clean:
                for article_id in rng.sample([i for i in ids if i not in deleted], 3):
                    headline = f"{site.get(article_id).headline.split(' #')[0]} #{round_no}"
                    site.edit(article_id, headline=headline)
                    written[article_id].add(headline)
                if deleted and rng.random() < 0.6:
                    back = rng.choice(sorted(deleted))
                    site.restore(back)
                    deleted.discard(back)
                    restorations += 1
                elif len(deleted) < 2:
                    gone = rng.choice([i for i in ids if i not in deleted])
                    site.delete(gone, "404")
                    deleted.add(gone)
                    deletions += 1
                for article_id in rng.sample(ids, 2):
                    site.fault(article_id, rng.choice(FAULTS), times=1)
            [run] = crawl_isolated(config)
            assert run.health == "ok", (round_no, run)
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)

        with store.reader() as s:
            by_url = {a.url: a for a in s.scalars(select(Article))}
            versions = {(v.article_id, v.content["headline"]) for v in s.scalars(select(Version))}
            current = {a.id: s.get(Version, a.current_version_id).content["headline"] for a in by_url.values()}
            events = s.scalars(select(Event).where(Event.article_id.is_not(None))).all()
            alerts = Counter(
                (e.kind, e.article_id, e.to_version_id, e.capture_id)
                for e in s.scalars(select(Event).join(Alert, Alert.event_id == Event.id))
            )
            headline_of = {v.id: v.content["headline"] for v in s.scalars(select(Version))}
        store_id = {aid: by_url[site.url(aid)].id for aid in ids}
        # The last round was clean: what the site shows now is every article's current version.
        for aid in ids:
            if aid not in deleted:
                assert current[store_id[aid]] == site.get(aid).headline, aid
        # Every edit the site made and served in a later clean-enough round is a version.
        final_only = {aid: site.get(aid).headline for aid in ids}
        for aid, headlines in written.items():
            stored = {h for a, h in versions if a == store_id[aid]}
            assert stored <= headlines, (aid, stored - headlines)  # nothing the site never said
            assert final_only[aid] in stored or aid in deleted
        # Every alert matches a real change, none twice.
        assert all(n == 1 for n in alerts.values()), alerts
        kinds = Counter(e.kind for e in events)
        for e in events:
            if e.kind == "edited":
                assert headline_of[e.to_version_id] in written[_site_id(store_id, e.article_id)]
                assert headline_of[e.to_version_id] != headline_of[e.from_version_id]
        assert kinds["deleted"] == deletions and kinds["restored"] == restorations, kinds
        assert kinds["new"] == len(ids)
        assert rss[-1] <= rss[1] * 1.5, rss  # the crawl's peak resident memory stays flat
    finally:
        store.close()
        site.stop(grace=0.1)


def _site_id(store_id: dict[int, int], article_id: int) -> int:
    return next(aid for aid, sid in store_id.items() if sid == article_id)
