"""The ``alerts`` and ``notify`` commands: the outbox listed, and delivered now."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from notify.deliver import deliver
from notify.outbox import list_alerts, requeue_failed
from notify.redact import redact, secrets_of
from palimpsest.options import Moment
from store.models import AlertStatus

if TYPE_CHECKING:
    from notify.deliver import DeliveryReport
    from palimpsest.app import App

logger = logging.getLogger(__name__)


@click.command()
@click.option("--status", type=click.Choice([s.value for s in AlertStatus]), help="Only alerts in this state.")
@click.option("--since", type=Moment(), help="Only alerts created since then: a time back (2h, 7d) or an ISO date.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Newest alerts shown.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def alerts(app: App, status: str | None, since: datetime | None, limit: int, as_json: bool) -> None:
    """List the alert outbox: each alert's event, destination, state and last error.

    Destinations are shown by name, never by URL: apprise URLs carry secrets.

    \b
    Example:
      palimpsest alerts --status pending --since 24h
    """
    rows = list_alerts(app.store, status=status, since=since, limit=limit)
    secrets = _secrets(app)
    docs = [{"id": r.id, "event": r.event_id, "site": r.site, "kind": r.kind, "destination": r.destination,
             "status": r.status, "attempts": r.attempts,
             "last_error": redact(r.last_error, secrets) if r.last_error else None,
             "created_at": r.created_at.isoformat(), "sent_at": r.sent_at.isoformat() if r.sent_at else None}
            for r in rows]
    if as_json:
        click.echo(json.dumps({"alerts": docs, "count": len(docs)}, ensure_ascii=False, indent=2))
        return
    if not docs:
        click.echo("No alerts.")
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("id", "event", "site", "kind", "destination", "status", "tries", "created (UTC)"):
        table.add_column(column, no_wrap=True)
    table.add_column("last error", overflow="fold")
    for d in reversed(docs):  # oldest at the top, as a log reads
        # Text(), not markup: error text comes from remote servers and may hold [brackets].
        table.add_row(*(Text(str(v)) for v in (
            d["id"], d["event"], d["site"], d["kind"], d["destination"], d["status"], d["attempts"],
            d["created_at"][:16].replace("T", " "), (d["last_error"] or "")[:80])))
    _console().print(table)


@click.command()
@click.option("--retry-failed", is_flag=True, help="First give alerts marked failed (given up) another chance.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def notify(app: App, retry_failed: bool, as_json: bool) -> None:
    """Deliver the alert outbox now: each alert once to each of its destinations.

    A destination that is down keeps its alerts for the next run; the exit status is
    1 when any delivery failed. `palimpsest crawl` runs this after each crawl.

    \b
    Example:
      palimpsest notify --json
    """
    if retry_failed:
        requeued = requeue_failed(app.store, [d.name for d in app.config.destinations])
        logger.info("requeued %d failed alerts", requeued)
    report = deliver(app)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(app, report)
    if not report.ok:
        click.get_current_context().exit(1)


def _print_report(app: App, report: DeliveryReport) -> None:
    if not app.config.destinations:
        click.echo("No destinations configured: add [[notify]] entries or set PALIMPSEST_NOTIFY.")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("destination", "sent", "failed", "gave up", "waiting"):
        table.add_column(column, no_wrap=True)
    table.add_column("last error", overflow="fold")
    for name, d in report.destinations.items():
        label = name if d.configured else f"{name} (not in the config)"
        table.add_row(*(Text(str(v)) for v in (label, d.sent, d.failed, d.gave_up, d.pending, d.error or "")))
    if report.destinations:
        _console().print(table)
    click.echo(f"{report.sent} sent, {report.failed} failed, {report.pending} waiting.")


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        console.width = 160  # a pipe or a cron log: no screen to fit, so do not cut columns
    return console


def _secrets(app: App) -> set[str]:
    found: set[str] = set()
    for destination in app.config.destinations:
        found |= secrets_of(destination.url)
    return found


COMMANDS: list[Any] = [alerts, notify]
