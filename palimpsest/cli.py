"""The ``palimpsest`` command: the group, its error handling, and every command registered.

Each command lives in its own module under :mod:`palimpsest.commands`; how commands get
the app, print and fail is in :mod:`palimpsest.commands.common` and
:mod:`palimpsest.terminal`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from palimpsest.app import App
from palimpsest.commands import alerts, crawl, db, demo, evidence, extract, queries, review, status
from palimpsest.commands.common import FAILED, USAGE
from palimpsest.config import ConfigError
from palimpsest.terminal import say
from store.db import SchemaBehind


class Group(click.Group):
    """Turns every failure into one line on stderr: ``palimpsest: WHERE: what``, then its status.

    WHERE is ``config`` (exit 2), ``store`` (exit 1) or the command itself (its
    :class:`~palimpsest.commands.common.Failure`, or a usage error: exit 2).
    """

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        from store.db import StoreError, describe

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _fail(f"config: {exc}", USAGE)
        except SchemaBehind as exc:
            _fail(str(exc), FAILED)
        except StoreError as exc:
            _fail(f"store: {exc}", FAILED)
        except SQLAlchemyError as exc:  # the store went away in the middle of a command
            app = ctx.obj
            url = app.config.store_url if isinstance(app, App) and "config" in app.__dict__ else ""
            _fail(f"store: {describe(url, exc)}", FAILED)
        except click.ClickException as exc:
            where = _where(exc, ctx)
            _fail(f"{where}: {exc.format_message()}" if where else exc.format_message(), exc.exit_code)


def _where(exc: click.ClickException, ctx: click.Context) -> str:
    """The failing command's path without the program's name (``history``, ``db upgrade``)."""
    failed = getattr(exc, "ctx", None) or click.get_current_context(silent=True) or ctx
    return failed.command_path.removeprefix(ctx.command_path).strip()


def _fail(message: str, code: int) -> None:
    say(f"palimpsest: {message}", err=True)
    sys.exit(code)


@click.group(cls=Group)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="PALIMPSEST_CONFIG",
    help="Config file (default: ./palimpsest.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="palimpsest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Palimpsest: archive news pages and catch stealth edits and deletions.

    Exit status: 0 done, 1 a failure the output names (a site not crawled, an alert
    not delivered, a store that does not verify, no such article, the store
    unreachable), 2 a mistake in the configuration or the arguments.

    \b
    Example:
      palimpsest demo                 # see it work on a local copy of a site
      palimpsest crawl                # one scheduled run of every site
      palimpsest changes --since 1d   # what changed in the last day
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    # To stderr, so that cron's mail or log shows what went wrong. The handler keeps
    # the level: Scrapy sets its own loggers to DEBUG (its banner would print otherwise).
    handler = logging.StreamHandler()
    handler.setLevel(level)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    if verbose < 2:  # the pool logs a dead connection's failed reset with its traceback
        logging.getLogger("sqlalchemy.pool").addFilter(_without_traceback)
    ctx.obj = App(config_path)
    ctx.call_on_close(ctx.obj.close)


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info = record.exc_text = None
    return True


for _family in (crawl, queries, review, alerts, status, evidence, extract, db, demo):
    for _command in _family.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
