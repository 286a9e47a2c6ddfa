"""Every migration goes up, down and up again, and the models match the migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from store.db import SCHEMA_HEAD, SchemaBehind, Store, alembic_config, downgrade, is_current, upgrade
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


def test_the_schema_head_is_the_newest_migration(store_url):
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config(store_url)).get_heads() == [SCHEMA_HEAD]
    upgrade(store_url, "0004")  # one behind: not current
    engine = create_engine(store_url)
    assert not is_current(engine)
    upgrade(store_url)
    assert is_current(engine)
    engine.dispose()


def test_models_match_migrations(store_url):
    upgrade(store_url)
    engine = create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": include_object}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_opening_a_store_changes_nothing_until_upgrade(store_url):
    store = Store(store_url)
    try:
        assert not is_current(store.engine)
        with pytest.raises(SchemaBehind, match="palimpsest db upgrade"):
            store.require_current()
        assert not inspect(store.engine).has_table("captures")
        assert store.upgrade().require_current() is store
        assert is_current(store.engine)
    finally:
        store.close()
