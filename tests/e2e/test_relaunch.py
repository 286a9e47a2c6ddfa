"""A redesign of the whole site, or of one edition only, never reads as edits.

Each raises exactly one operator alert, no watchdog alert, and none on recovery; a
real edit in the untouched edition during a partial relaunch is still alerted.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from localsite import LocalSite, make_articles
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Alert, Article, Event
from tests.support import site_config

pytestmark = pytest.mark.slow

DESK = [{"name": "desk", "url": "json://127.0.0.1:9/"}]  # alerts stay in the outbox: never delivered


@pytest.fixture
def site():
    # 6 English and 12 Russian articles: the English edition alone is a third of the pages.
    articles = [dataclasses.replace(a, lang="en" if i < 6 else "ru") for i, a in enumerate(make_articles(18))]
    with LocalSite(articles) as served:
        yield served


def alerted(store: Store) -> list[tuple[str, dict, str | None]]:
    with store.reader() as s:
        return s.execute(
            select(Event.kind, Event.details, Article.url)
            .join(Alert, Alert.event_id == Event.id)
            .join(Article, Article.id == Event.article_id, isouter=True)
            .order_by(Event.id)
        ).all()


def kinds(store: Store) -> list[str]:
    with store.reader() as s:
        return list(s.scalars(select(Event.kind).where(Event.kind != "new").order_by(Event.id)))


@pytest.mark.parametrize("edition", [None, "en"], ids=["whole-site", "one-edition"])
def test_relaunch_raises_one_operator_alert(site, tmp_path, edition):
    # SQLite only: four crawls each; the store's side runs on both backends in tests/store.
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    config = site_config(site, store_url, notify=DESK)
    healths = [crawl_isolated(config)[0].health]
    store = Store(store_url)
    site.relaunch(edition)
    # A real edit in the part the relaunch left alone: still an edit (with a partial relaunch).
    untouched = next(a for a in site.articles() if a.lang == "ru")
    if edition is not None:
        site.edit(untouched.id, headline=untouched.headline + " (quietly changed)")
    healths += [crawl_isolated(config)[0].health for _ in range(2)]
    site.relaunch(edition, on=False)
    healths.append(crawl_isolated(config)[0].health)

    every = alerted(store)
    [broken] = [a for a in every if a[0] == "parser_broken"]
    watchdog = [a for a in every if a[0] != "parser_broken"]
    if edition is None:
        assert healths == ["ok", "parser_broken", "parser_broken", "ok"]
        assert watchdog == []
        assert kinds(store) == ["parser_broken", "site_recovered"]  # the recovery is not alerted
    else:
        assert healths == ["ok"] * 4
        assert broken[1]["groups"] == {"en": ["published", "views"]}
        assert "group 'en'" in broken[1]["reason"]
        assert [(k, url) for k, _, url in watchdog] == [("edited", site.url(untouched.id))]
        assert sorted(kinds(store)) == ["edited", "parser_broken"]
    store.close()
