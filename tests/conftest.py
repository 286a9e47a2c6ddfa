"""Shared fixtures: stores on SQLite and PostgreSQL, the local site, configs, crawls."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from localsite import LocalSite, make_articles
from tests.support.postgres import PG_ADMIN_URL, postgres_or_skip

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A store URL on the local PostgreSQL, in a schema of its own, dropped afterwards."""
    postgres_or_skip()
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Every store test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'palimpsest.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    """The synthetic charter97-shaped site on 127.0.0.1, a free port."""
    site = LocalSite().start()
    yield site
    site.stop()


@pytest.fixture
def generated_site() -> Iterator[Callable[..., LocalSite]]:
    """Starts local sites of ``n`` generated articles, all on the first listing page (one
    listing fetch finds them all): ``generated_site(90, seed=21)``. Each stops after the test."""
    started: list[LocalSite] = []

    def start(n: int, *, seed: int) -> LocalSite:
        site = LocalSite(make_articles(n, seed=seed), listing_page_size=n).start()
        started.append(site)
        return site

    yield start
    for site in started:
        site.stop()
