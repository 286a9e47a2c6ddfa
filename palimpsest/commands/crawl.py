"""``palimpsest crawl``: one scheduled run of the sites, then delivery of pending alerts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import click

from palimpsest.commands.common import finish, json_option, pass_app
from palimpsest.config import require_config_file
from palimpsest.terminal import emit, say, table

if TYPE_CHECKING:
    from palimpsest.app import App


@click.command()
@click.argument("sites", nargs=-1)
@click.option("--no-notify", is_flag=True, help="Do not deliver the outbox after the run.")
@json_option("Print the run summary as JSON.")
@pass_app
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
    finish(not any(r.failed for r in runs))


def _deliver(app: App) -> dict[str, Any]:
    from notify.deliver import deliver

    return deliver(app.config, app.store).as_dict()


def _print_runs(summary: dict[str, Any]) -> None:
    rows = []
    for run in summary["runs"]:
        stats = run["stats"]
        rows.append(
            (
                run["site"],
                run["run_id"],
                run["health"],
                stats.get("pages", 0),
                stats.get("listings", 0),
                len(run["events"]),
                run["reason"],
            )
        )
    table(("site", "run", "health", "pages", "listings", "events", "why"), rows, wide=("why",))
    if summary.get("delivery"):
        d = summary["delivery"]
        say(f"alerts: {d.get('sent', 0)} sent, {d.get('failed', 0)} failed, {d.get('pending', 0)} pending")


COMMANDS = [crawl]
