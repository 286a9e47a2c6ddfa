"""The fault-injection run of the brief: a misbehaving site must never raise a watchdog alert.

The local site answers 5xx, 408, 429, times out, resets, serves challenge and captcha
pages (also behind a redirect), truncated, empty, garbage and unparseable bodies, soft-404s and redirects to the
home page, and re-encodes pages as cp1251 — on single articles, then on the whole site —
while the real crawler (in a spawned process) fetches it into a real store. Edits are
confirmed at once (``edit_confirmations=1``), so any content a fault made look different
would be an ``edited`` event; deletions use the default-like 3 captures over 2 h, so a
transient soft-404 seen once or twice never confirms.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from localsite import LocalSite, make_articles
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Alert, Article, Capture, Event, Site, Version
from tests.support import site_config

pytestmark = pytest.mark.slow

N_ARTICLES = 40
WATCHDOG_ALERTS = ("edited", "reverted", "deleted", "restored")

# Fault kind -> (outcome, pattern the recorded reason must match).
EXPECTED = {
    "500": ("transient", r"http 500$"),
    "502": ("transient", r"http 502$"),
    "503": ("transient", r"http 503$"),
    "408": ("transient", r"http 408$"),
    "429": ("transient", r"http 429$"),
    "timeout": ("transient", r"no response: .*(Timeout|took longer)"),
    "reset": ("transient", r"no response: .*(ConnectionLost|ConnectionDone|reset|lost)"),
    "challenge": ("transient", r"challenge page \(http 403\)$"),
    # The captcha page answers 200 with a form; it is either recognised as a challenge
    # or fails to parse as an article. Transient either way.
    "captcha": ("transient", r"(challenge page|parse failed)"),
    # The site announces the whole length and sends half: the download fails (data loss).
    # A 302 to the site's own captcha form, which carries no CDN marker.
    "captcha_redirect": ("transient", r"redirected to a challenge or login page \(/captcha/\)$"),
    "truncated": ("transient", r"(no response: .*DataLoss|truncated body)"),
    "empty": ("transient", r"empty body$"),
    "garbage": ("transient", r"parse failed"),
    "noparse": ("transient", r"parse failed: no article"),
    "cp1251": ("ok", r"http 200$"),
    # One bad byte, or a character cut at the end: replaced, the rest read as before.
    "straybyte": ("ok", r"http 200$"),
    "cutchar": ("ok", r"http 200$"),
}
DELETIONS = {
    "redirect_home": ("gone", r"redirected to the home page$"),
    "soft404": ("gone", r"soft-404 page$"),
}


@pytest.fixture
def site():
    """A site of 40 generated articles, all on one listing page per edition."""
    s = LocalSite(make_articles(N_ARTICLES, seed=97), listing_page_size=N_ARTICLES).start()
    yield s
    s.stop()


def fault_config(site: LocalSite, store_url: str, **overrides):
    """Edits confirmed at once, deletions as by default; every article due every run.

    A destination is configured so that the outbox shows what would have been sent. The
    site's "timeout" fault holds a request 5 s; the crawler gives up after 2.
    """
    settings = {"timeout": 2.0, "delete_confirmations": 3, "delete_min_age": "2h", **overrides}
    return site_config(site, store_url, notify=[{"url": "json://127.0.0.1:9/hook", "name": "watch"}], **settings)


def crawl_once(config, expect_health: str = "ok"):
    [run] = crawl_isolated(config)
    assert run.run_id is not None, run
    assert run.health == expect_health, run
    return run


def ids_by_site_id(store: Store, site: LocalSite) -> dict[int, int]:
    """Local site article id -> store article id."""
    with store.reader() as s:
        by_url = dict(s.execute(select(Article.url, Article.id)).all())
    return {a.id: by_url[site.url(a.id)] for a in site.articles()}


def current_versions(store: Store) -> dict[int, int | None]:
    with store.reader() as s:
        return dict(s.execute(select(Article.id, Article.current_version_id)).all())


def run_captures(store: Store, run_id: int) -> dict[int, list[Capture]]:
    """The run's article captures by store article id, in order."""
    found: dict[int, list[Capture]] = defaultdict(list)
    with store.reader() as s:
        for capture in s.scalars(
            select(Capture).where(Capture.run_id == run_id, Capture.kind == "article").order_by(Capture.id)
        ):
            found[capture.article_id].append(capture)
    return found


def event_kinds(store: Store, **where) -> list[str]:
    with store.reader() as s:
        query = select(Event.kind).order_by(Event.id)
        for name, value in where.items():
            query = query.where(getattr(Event, name) == value)
        return list(s.scalars(query))


def alerted_kinds(store: Store) -> list[str]:
    with store.reader() as s:
        return list(s.scalars(select(Event.kind).join(Alert, Alert.event_id == Event.id).order_by(Event.id)))


def test_per_article_faults_make_no_watchdog_event(site, store_url):
    config = fault_config(site, store_url)
    store = Store(store_url).upgrade()
    try:
        crawl_once(config)
        ids = ids_by_site_id(store, site)
        baseline = current_versions(store)
        assert len(baseline) == N_ARTICLES and None not in baseline.values()
        assert event_kinds(store) == ["new"] * N_ARTICLES

        articles = site.articles()
        ru = [a.id for a in articles if a.lang == "ru"]
        # Two articles are "deleted" (soft-404 and redirect home) in both fault rounds:
        # two gone captures, fewer than the three (over 2 h) a deletion needs.
        deleted = {"redirect_home": ru[-1], "soft404": next(a.id for a in reversed(articles) if a.id != ru[-1])}
        others = [a.id for a in articles if a.id not in deleted.values()]
        kinds = [k for k in EXPECTED if k != "cp1251"]
        for round_no in range(2):
            # A different article for each fault in each round; cp1251 on a Russian one.
            pool = others[round_no * len(EXPECTED) :]
            cp1251 = next(i for i in pool if i in ru)
            targets = dict(zip(kinds, [i for i in pool if i != cp1251], strict=False))
            targets["cp1251"] = cp1251
            assert len(targets) == len(EXPECTED)
            for kind, article_id in targets.items():
                site.fault(article_id, kind, times=1)
            for how, article_id in deleted.items():
                site.delete(article_id, how)

            run = crawl_once(config)
            captures = run_captures(store, run.run_id)
            for kind, article_id in [*targets.items(), *deleted.items()]:
                outcome, reason = {**EXPECTED, **DELETIONS}[kind]
                first, *later = captures[ids[article_id]]
                assert first.outcome == outcome, (kind, first.outcome, first.reason)
                assert re.search(reason, first.reason), (kind, first.reason)
                if kind in DELETIONS:
                    assert first.status == 200 and first.version_id is None
                    assert all(c.outcome == "gone" for c in later), kind
                elif outcome == "ok":
                    assert first.version_id == baseline[ids[article_id]], f"{kind} page read as new content"
                else:
                    assert first.version_id is None, kind
                    # The fault was for one request: a later capture in the run reads normally.
                    assert all(c.outcome == "ok" for c in later), kind
            # Every article not faulted read normally, as the same content.
            for article_id, article_captures in captures.items():
                for capture in article_captures:
                    if capture.outcome == "ok":
                        assert capture.version_id == baseline[article_id], capture.url
            assert event_kinds(store, run_id=run.run_id) == [], f"round {round_no}: events in a fault round"

        for article_id in deleted.values():
            site.restore(article_id)
        run = crawl_once(config)
        assert all(c.outcome == "ok" for cs in run_captures(store, run.run_id).values() for c in cs)

        # Zero watchdog events and alerts over the whole fault run; the content is untouched.
        assert event_kinds(store) == ["new"] * N_ARTICLES
        assert alerted_kinds(store) == []
        assert current_versions(store) == baseline
        with store.reader() as s:
            assert s.scalar(select(func.count()).select_from(Version)) == N_ARTICLES
            assert set(s.scalars(select(Article.status))) == {"live"}
            assert set(s.scalars(select(Article.gone_count))) == {0}
            assert set(s.scalars(select(Site.health))) == {"ok"}
            by_outcome = dict(
                s.execute(
                    select(Capture.outcome, func.count()).where(Capture.kind == "article").group_by(Capture.outcome)
                ).all()
            )
        assert by_outcome["transient"] >= 2 * sum(outcome == "transient" for outcome, _ in EXPECTED.values())
        assert by_outcome["gone"] >= 4
    finally:
        store.close()


def test_site_wide_faults_give_one_operator_event_and_hold_edits(site, store_url):
    config = fault_config(site, store_url)
    store = Store(store_url).upgrade()
    try:
        crawl_once(config)
        ids = ids_by_site_id(store, site)
        baseline = current_versions(store)

        # Every page, listings and feeds included, answers 503: the site is unreachable.
        site.fault(None, "503")
        run = crawl_once(config, "unreachable")
        assert event_kinds(store, run_id=run.run_id) == ["site_unreachable"]
        with store.reader() as s:
            outcomes = set(s.scalars(select(Capture.outcome).where(Capture.run_id == run.run_id)))
        assert outcomes == {"transient"}

        # Still down on the next run: no second operator event.
        run = crawl_once(config, "unreachable")
        assert event_kinds(store, run_id=run.run_id) == []

        site.fault(None, None)
        run = crawl_once(config)
        assert event_kinds(store, run_id=run.run_id) == ["site_recovered"]

        # Every page parses as nothing (a redesign), while one article is really edited
        # and still served normally ("slow" overrides the site-wide fault for it): the
        # edit is captured, but a broken run's observations move nothing.
        edited = next(a for a in site.articles() if a.lang == "ru")
        site.fault(None, "noparse")
        site.fault(edited.id, "slow")
        site.edit(edited.id, headline=edited.headline + " (уточнено)")
        broken = crawl_once(config, "parser_broken")
        assert event_kinds(store, run_id=broken.run_id) == ["parser_broken"]
        captures = run_captures(store, broken.run_id)
        [seen] = captures[ids[edited.id]]
        assert seen.outcome == "ok" and seen.version_id != baseline[ids[edited.id]]
        assert {c.reason for aid, cs in captures.items() if aid != ids[edited.id] for c in cs} == {
            "parse failed: no article"
        }
        assert current_versions(store) == baseline

        # Healthy again: the site recovers and the edit, seen once more, is confirmed.
        site.fault(None, None)
        site.fault(edited.id, None)
        healthy = crawl_once(config)
        assert sorted(event_kinds(store, run_id=healthy.run_id)) == ["edited", "site_recovered"]
        with store.reader() as s:
            [event] = s.scalars(select(Event).where(Event.kind == "edited"))
        assert event.article_id == ids[edited.id]
        assert event.from_version_id == baseline[ids[edited.id]] and event.to_version_id == seen.version_id
        assert event.details["changes"] == ["headline"]

        # Over the whole run: the one real edit is the only watchdog event; operator
        # events once per change of state.
        kinds = event_kinds(store)
        assert kinds[:N_ARTICLES] == ["new"] * N_ARTICLES
        assert kinds[N_ARTICLES:] == [
            "site_unreachable",
            "site_recovered",
            "parser_broken",
            "edited",
            "site_recovered",
        ] or kinds[N_ARTICLES:] == ["site_unreachable", "site_recovered", "parser_broken", "site_recovered", "edited"]
        assert alerted_kinds(store) == ["site_unreachable", "parser_broken", "edited"]
        assert current_versions(store) == {**baseline, ids[edited.id]: seen.version_id}
    finally:
        store.close()
