"""Every migration goes up, down and up again, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from store.db import Store, downgrade, is_current, upgrade
from store.models import Base
from store.search import include_object


def test_up_down_up(store_url):
    upgrade(store_url)
    engine = create_engine(store_url)
    assert "captures" in inspect(engine).get_table_names()
    downgrade(store_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(store_url)
    assert is_current(engine)
    engine.dispose()


def test_models_match_migrations(store_url):
    upgrade(store_url)
    engine = create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                Base.metadata)
    engine.dispose()
    assert diff == []


def test_store_upgrades_itself_when_opened(store_url):
    store = Store(store_url)
    assert is_current(store.engine)
    store.close()
