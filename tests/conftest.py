"""Shared fixtures: stores on SQLite and PostgreSQL, the local site, configs, crawls."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest

from localsite import LocalSite

if TYPE_CHECKING:
    from collections.abc import Iterator


PG_ADMIN_URL = os.environ.get("PALIMPSEST_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_or_skip() -> None:
    """Skip without PostgreSQL, unless CI demands it (PALIMPSEST_REQUIRE_POSTGRES=1)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except (OperationalError, ImportError) as exc:
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if os.environ.get("PALIMPSEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (PALIMPSEST_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A store URL on the local PostgreSQL, in a schema of its own, dropped afterwards."""
    _postgres_or_skip()
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
