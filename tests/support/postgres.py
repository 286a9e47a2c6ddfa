"""The test PostgreSQL server: where it is, and skipping (or failing, in CI) without it."""

from __future__ import annotations

import os

import pytest

PG_ADMIN_URL = os.environ.get("PALIMPSEST_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_or_skip() -> None:
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
