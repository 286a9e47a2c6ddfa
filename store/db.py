"""Engines, sessions and schema upgrades for SQLite and PostgreSQL stores."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The store cannot be reached, opened or written; the message names it, no password."""


def describe(url: str, exc: BaseException) -> str:
    """One line: which store (password hidden) and the database's own first line of why."""
    from sqlalchemy.engine import make_url

    try:
        where = make_url(url).render_as_string(hide_password=True)
    except Exception:
        where = "the configured store"
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    why = lines[0] if lines else type(orig).__name__
    password = _password(url)
    if password:
        why = why.replace(password, "***")
    return f"{where}: {why}"


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:
        return None


SCHEMA_LOCK = 0x7061_6C6D  # PostgreSQL advisory lock id held while upgrading the schema


def make_engine(url: str, *, writer: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys.

    On SQLite a writer engine begins with ``BEGIN IMMEDIATE`` so that two processes
    never both read, then both try to write (a deadlock SQLite can only break by
    failing one); readers begin deferred and never wait for a writer under WAL.
    """
    if url.startswith("sqlite"):
        # A ?timeout=SECONDS in the URL wins: how long to wait for another writer's lock.
        timeout = {} if "timeout=" in url.partition("?")[2] else {"timeout": 60}
        engine = create_engine(url, connect_args=timeout)
        event.listen(engine, "connect", _sqlite_pragmas)
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def insert_new(session: Session, model: type, keys: list[str], rows: list[dict]) -> None:
    """INSERT … ON CONFLICT (keys) DO NOTHING: a row another writer added first is kept.

    Several workers write one store: checking for a row and then inserting it races,
    and the loser's whole transaction (a capture) would fail. The unique key decides.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(model).on_conflict_do_nothing(index_elements=keys), rows)


def migrations_dir() -> Path:
    """The Alembic folder on disk. Scrapyd runs the project from a zipped egg, where it is
    no folder: then it is copied out once, to a temporary folder, for Alembic to read."""
    global _extracted
    if MIGRATIONS.is_dir():
        return MIGRATIONS
    if _extracted is None:
        import importlib.resources
        import tempfile

        target = Path(tempfile.mkdtemp(prefix="palimpsest-migrations-")) / "migrations"
        _copy_tree(importlib.resources.files("store") / "migrations", target)
        _extracted = target
    return _extracted


_extracted: Path | None = None


def _copy_tree(source, target: Path) -> None:
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` to ``revision`` (Alembic)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


SCHEMA_HEAD = "0005"
"""The newest migration's revision (a test holds it to Alembic's own reading of migrations/).

Every command checks its store's schema against it; naming it here spares each one
Alembic's import and its reading of every migration script."""


def is_current(engine: Engine) -> bool:
    """True when the schema is at the newest migration."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) == {SCHEMA_HEAD}


class SchemaBehind(Exception):
    """The store's schema is older than this software (or not created yet)."""


class Store:
    """The database behind the archive: an engine and its session factory.

    Opening a store changes nothing. Writers that may meet a fresh store (``crawl``,
    ``demo``, ``db upgrade``) call :meth:`upgrade`; readers call :meth:`require_current`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = make_engine(url, writer=False) if self.dialect == "sqlite" else self.engine
        self._readers = sessionmaker(self._read_engine, expire_on_commit=False)

    def upgrade(self) -> Store:
        """Bring the schema to the newest migration, once even when several workers
        open a fresh store at the same moment; returns the store."""
        with self._opening():
            return self._upgrade()

    def _upgrade(self) -> Store:
        if is_current(self.engine):
            return self
        url = self.engine.url.render_as_string(hide_password=False)
        if self.engine.dialect.name != "postgresql":
            upgrade(url)  # SQLite: Alembic's transaction takes the database's write lock
            return self
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
            try:
                if not is_current(self.engine):
                    logger.info("upgrading store schema at %s", self.engine.url.render_as_string())
                    upgrade(url)
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")
                conn.commit()
        return self

    def require_current(self) -> Store:
        """Raise :class:`SchemaBehind` unless the schema is at the newest migration."""
        with self._opening():
            current = is_current(self.engine)
        if not current:
            raise SchemaBehind(
                f"the store at {self.engine.url.render_as_string()} needs a schema upgrade: run `palimpsest db upgrade`"
            )
        return self

    @contextmanager
    def _opening(self) -> Iterator[None]:
        """A store that cannot be reached or opened is a :class:`StoreError`, in one line."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store {describe(self.url, exc)}") from exc

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def reader(self) -> Session:
        """A session for queries only (caller closes it, or uses ``with``)."""
        return self._readers()

    def close(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()
