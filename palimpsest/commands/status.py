"""The ``status`` command: per-site health and backlog, with an exit status cron can act on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from palimpsest.commands.common import finish, json_option, pass_app
from palimpsest.config import require_config_file
from palimpsest.options import Duration
from palimpsest.terminal import emit, say, span, table, when

if TYPE_CHECKING:
    from datetime import timedelta

    from palimpsest.app import App


@click.command()
@click.option(
    "--stale",
    "stale_after",
    type=Duration(),
    default="1h",
    show_default=True,
    help="A site with no successful run for this long fails the check.",
)
@json_option()
@pass_app
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
    doc = {
        "at": now.isoformat(),
        "stale_after_s": stale_after.total_seconds(),
        "sites": sites,
        "outbox": outbox,
        "ok": not any(site["stale"] for site in sites),
    }
    emit(doc, as_json, _print)
    finish(doc["ok"])


def _print(doc: dict[str, Any]) -> None:
    if not doc["sites"]:
        say("No sites configured.")
    rows = []
    for site in doc["sites"]:
        last = site["last_run"]
        run = f"{last['id']} {last['status']} ({last['pages']} pages)" if last else "never run"
        oldest = site["oldest_overdue"]
        rows.append(
            (
                site["site"],
                "STALE" if site["stale"] else "ok",
                site["health"] or "—",
                run,
                when(site["last_success_at"]),
                ", ".join(f"{k} {v}" for k, v in site["errors"].items() if v) or "none",
                f"{site['due']} due, {site['leased']} leased, {site['running']} running",
                f"{span(oldest['overdue_s'])}: {oldest['url']}" if oldest else "—",
            )
        )
    if rows:
        table(
            ("site", "check", "health", "last run", "last success", "errors", "backlog", "oldest overdue"),
            rows,
            wide=("errors", "oldest overdue"),
        )
    pending = {k: v for k, v in doc["outbox"].items() if k != "sent"}
    say("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(pending.items())) or "empty"))


COMMANDS: list[Any] = [status]
