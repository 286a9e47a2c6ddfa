"""The ``palimpsest`` command: crawl, query, diff, extract and manage the archive."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from palimpsest.app import App
from palimpsest.config import ConfigError, require_config_file
from palimpsest.options import Moment, article_or_exit
from palimpsest.terminal import say, say_json
from store.db import SchemaBehind

if TYPE_CHECKING:
    from collections.abc import Callable


def emit(data: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """Print one JSON document with ``--json``, else the human rendering."""
    if as_json:
        say_json(data)
    else:
        human(data)


class Group(click.Group):
    """Turns a user's mistake into one line: configuration (exit 2), the store (exit 1)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        from store.db import StoreError, describe

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            say(f"palimpsest: config: {exc}", err=True)
            sys.exit(2)
        except SchemaBehind as exc:
            say(f"palimpsest: {exc}", err=True)
            sys.exit(1)
        except StoreError as exc:
            say(f"palimpsest: store: {exc}", err=True)
            sys.exit(1)
        except SQLAlchemyError as exc:  # the store went away in the middle of a command
            app = ctx.obj
            url = app.config.store_url if isinstance(app, App) and "config" in app.__dict__ else ""
            say(f"palimpsest: store: {describe(url, exc)}", err=True)
            sys.exit(1)


@click.group(cls=Group)
@click.option("--config", "config_path", metavar="PATH", envvar="PALIMPSEST_CONFIG",
              help="Config file (default: ./palimpsest.toml).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="palimpsest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Palimpsest: archive news pages and catch stealth edits and deletions.

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


# -- crawling ---------------------------------------------------------------------------


@main.command()
@click.argument("sites", nargs=-1)
@click.option("--no-notify", is_flag=True, help="Do not deliver the outbox after the run.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def crawl(app: App, sites: tuple[str, ...], no_notify: bool, as_json: bool) -> None:
    """Run one scheduled crawl of SITES (default: all), then deliver pending alerts.

    Exits 1 when a site could not be crawled at all. Meant for cron:

    \b
    Example:
      */15 * * * * cd /srv/palimpsest && palimpsest crawl
    """
    from palimpsest.crawl import crawl as run_crawl

    require_config_file(app.config)
    for name in sites:
        app.config.site(name)  # unknown names fail before anything starts
    log_level = "INFO" if logging.getLogger().level <= logging.INFO else "WARNING"
    runs = run_crawl(app, list(sites) or None, log_level=log_level)
    delivery = None if no_notify else _deliver(app)
    summary = {"runs": [r.__dict__ for r in runs], "delivery": delivery}
    emit(summary, as_json, _print_runs)
    if any(r.failed for r in runs):
        sys.exit(1)


def _deliver(app: App) -> dict[str, Any]:
    from notify import deliver

    return deliver(app.config, app.store).as_dict()


def _print_runs(summary: dict[str, Any]) -> None:
    for run in summary["runs"]:
        stats = run["stats"]
        say(f"{run['site']}: run {run['run_id']} {run['health']} — {run['reason']}; "
                   f"{stats.get('pages', 0)} pages, {stats.get('listings', 0)} listings, "
                   f"{len(run['events'])} events")
    if summary.get("delivery"):
        d = summary["delivery"]
        say(f"alerts: {d.get('sent', 0)} sent, {d.get('failed', 0)} failed, {d.get('pending', 0)} pending")


# -- queries ----------------------------------------------------------------------------


@main.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def history(app: App, url: str, as_json: bool) -> None:
    """Show an article's timeline: versions, events, captures and views.

    \b
    Example:
      palimpsest history https://charter97.org/en/news/2025/10/7/659581/
    """
    from store.queries import history as article_history

    with app.store.reader() as s:
        data = article_history(s, article_or_exit(s, url))
    emit(data, as_json, _print_history)


def _print_history(data: dict[str, Any]) -> None:
    a = data["article"]
    say(f"{a['url']}  [{a['site']}] {a['status']}")
    say(f"  {a['headline'] or '(no content read yet)'}")
    say(f"  first seen {a['first_seen_at']}, last capture {a['last_capture_at']}, "
               f"next check {a['next_check_at']}")
    say("  captures: " + ", ".join(f"{k} {v}" for k, v in sorted(data["captures"].items())))
    say("versions:")
    for v in data["versions"]:
        mark = "*" if v["current"] else " " if v["confirmed"] else "?"
        say(f" {mark}v{v['seq']}  {v['first_seen_at']} … {v['last_seen_at']}  "
                   f"{v['captures']} captures  {v['headline']}")
    say("events:")
    for e in data["events"]:
        change = ", ".join(e["details"].get("changes", [])) if e["details"] else ""
        say(f"  #{e['id']} {e['at']} {e['kind']} v{e['from_version']}→v{e['to_version']} {change}")
    if data["metrics"]:
        last = data["metrics"][-1]
        say(f"views: {len(data['metrics'])} readings, latest {last['views']} at {last['at']}")


@main.command()
@click.option("--since", type=Moment(), default="1d", show_default=True,
              help="ISO date or time, or a duration back from now.")
@click.option("--site", help="Only this site.")
@click.option("--kind", "kinds", multiple=True, help="Only these event kinds (repeatable).")
@click.option("--limit", default=200, show_default=True, help="At most this many events.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def changes(app: App, since: datetime, site: str | None, kinds: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List what happened since a time: new, edited, reverted, deleted, restored, operator.

    \b
    Example:
      palimpsest changes --since 2025-10-01 --kind edited --kind deleted
    """
    from store.queries import changes_since

    with app.store.reader() as s:
        rows = changes_since(s, since, site=site, kinds=list(kinds) or None, limit=limit)
    emit({"since": since, "events": rows}, as_json, _print_changes)


def _print_changes(data: dict[str, Any]) -> None:
    if not data["events"]:
        say(f"no events since {data['since']}")
    for e in data["events"]:
        what = ", ".join(e["details"].get("changes", [])) or e["details"].get("reason", "")
        say(f"#{e['id']} {e['at']} [{e['site']}] {e['kind']:<16} {e['url'] or ''}"
                   + (f"\n      {e['headline']}" if e["headline"] else "") + (f"\n      {what}" if what else ""))


# -- tools ------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Manage the store's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
@click.pass_obj
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
        say(f"palimpsest: db upgrade: --revision {revision}: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)
    say(f"store at {_masked_db(app.config.store_url)} is at {revision}")


def _masked_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("palimpsest-demo"), show_default=True, help="Where the demo keeps its store.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON document.")
def demo(directory: Path, as_json: bool) -> None:
    """Watch a local copy of a news site: crawl, edit and delete articles, crawl again.

    Needs no network: the site is served on 127.0.0.1.

    \b
    Example:
      palimpsest demo
    """
    from palimpsest.demo import run_demo

    outcome = run_demo(directory, echo=None if as_json else say)
    if as_json:
        emit(outcome, True, print)
    if outcome["problems"]:
        say(f"palimpsest: demo failed: {'; '.join(outcome['problems'])}", err=True)
        sys.exit(1)


def _register_families() -> None:
    """Command families that live in their own modules."""
    import importlib

    for module in ("palimpsest.commands.alerts", "palimpsest.commands.evidence", "palimpsest.commands.extract",
                   "palimpsest.commands.review", "palimpsest.commands.status"):
        for command in importlib.import_module(module).COMMANDS:
            main.add_command(command)


_register_families()

__all__ = ["main"]
