"""The ``status`` command: per-site health and backlog, with an exit status cron can act on."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from notify.markup import clean
from palimpsest.config import require_config_file
from palimpsest.options import Duration

if TYPE_CHECKING:
    from datetime import timedelta

    from palimpsest.app import App

logger = logging.getLogger(__name__)


@click.command()
@click.option("--stale", "stale_after", type=Duration(), default="1h", show_default=True,
              help="A site with no successful run for this long fails the check.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def status(app: App, stale_after: timedelta, as_json: bool) -> None:
    """Show each site's last run, health, errors, due backlog and the alert outbox.

    Exits 1 when a site has not run successfully within --stale, so cron or a
    monitoring probe can act on it.

    \b
    Example:
      palimpsest status --stale 2h || echo "a site is not being archived"
    """
    from store.status import outbox_backlog, site_status

    require_config_file(app.config)
    now = datetime.now(UTC)
    names = [site.name for site in app.config.sites]
    with app.store.reader() as s:
        sites = site_status(s, names, now=now, stale_after=stale_after)
        outbox = outbox_backlog(s)
    doc = {"at": now.isoformat(), "stale_after_s": stale_after.total_seconds(), "sites": sites, "outbox": outbox,
           "ok": not any(site["stale"] for site in sites)}
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        _print(doc)
    if not doc["ok"]:
        click.get_current_context().exit(1)


def _print(doc: dict[str, Any]) -> None:
    if not doc["sites"]:
        click.echo("No sites configured.")
    for site in doc["sites"]:
        last = site["last_run"]
        mark = "STALE" if site["stale"] else "ok"
        when = f"last success {site['last_success_at'] or 'never'}"
        run = (f"last run {last['id']} {last['status']} {last['health']} ({last['pages']} pages)"
               if last else "never run")
        errors = ", ".join(f"{k} {v}" for k, v in site["errors"].items() if v) or "no errors"
        click.echo(f"{clean(site['site'])}: {mark}; health {site['health'] or '-'}; {run}; {when}; {errors}")
        oldest = site["oldest_overdue"]
        backlog = f"  due {site['due']}, leased {site['leased']}, running {site['running']}"
        if oldest:
            backlog += f"; oldest overdue {oldest['overdue_s']} s: {clean(oldest['url'])}"
        click.echo(backlog)
    pending = {k: v for k, v in doc["outbox"].items() if k != "sent"}
    click.echo("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(pending.items())) or "empty"))


COMMANDS: list[Any] = [status]
