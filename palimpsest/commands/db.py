"""``palimpsest db upgrade``: the store's schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from palimpsest.commands.common import USAGE, Failure, pass_app
from palimpsest.terminal import say

if TYPE_CHECKING:
    from palimpsest.app import App


@click.group()
def db() -> None:
    """Manage the store's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
@pass_app
def db_upgrade(app: App, revision: str) -> None:
    """Apply the schema migrations (Alembic) to the configured store.

    \b
    Example:
      PALIMPSEST_DB=postgresql+psycopg://archive@db/palimpsest palimpsest db upgrade
    """
    from alembic.util import CommandError

    from store.db import upgrade

    try:
        upgrade(app.config.store_url, revision)
    except CommandError as exc:
        raise Failure(f"--revision {revision}: {str(exc).splitlines()[0]}", USAGE) from None
    say(f"store at {_masked_db(app.config.store_url)} is at {revision}")


def _masked_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = [db]
