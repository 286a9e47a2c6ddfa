"""Fixtures of the review tests: the crawled store, built once per backend for the session."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy import text as sql

from localsite import LocalSite
from store.db import Store
from store.models import Article
from tests.support.postgres import PG_ADMIN_URL, postgres_or_skip
from tests.support.review import DATED, EDITED, GONE, XSS, Crawled, scenario

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    admin, schema = None, None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('review') / 'palimpsest.db'}"
    else:
        postgres_or_skip()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sql(f"CREATE SCHEMA {schema}"))
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    site = LocalSite().start()
    moved = site.get(EDITED).body[0].replace("Monday", "Tuesday")
    try:
        scenario(site, url)
        store = Store(url)
        with store.reader() as s:
            ids = {
                local: s.scalar(select(Article.id).where(Article.url == site.url(local)))
                for local in (EDITED, XSS, GONE, DATED)
            }
        yield Crawled(url, store, site, ids, moved)
        store.close()
    finally:
        site.stop()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sql(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
