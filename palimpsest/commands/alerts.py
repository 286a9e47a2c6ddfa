"""The ``alerts`` and ``notify`` commands: the outbox listed, and delivered now."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from notify.outbox import list_alerts, requeue_failed
from notify.redact import redact, secrets_of
from palimpsest.commands.common import finish, json_option, pass_app
from palimpsest.options import Moment
from palimpsest.terminal import emit, say, table, when
from store.models import AlertStatus

if TYPE_CHECKING:
    from notify.deliver import DeliveryReport
    from palimpsest.app import App

logger = logging.getLogger(__name__)


@click.command()
@click.option("--status", type=click.Choice([s.value for s in AlertStatus]), help="Only alerts in this state.")
@click.option("--since", type=Moment(), help="Only alerts created since then: a time back (2h, 7d) or an ISO date.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Newest alerts shown.")
@json_option()
@pass_app
def alerts(app: App, status: str | None, since: datetime | None, limit: int, as_json: bool) -> None:
    """List the alert outbox: each alert's event, destination, state and last error.

    Destinations are shown by name, never by URL: apprise URLs carry secrets.

    \b
    Example:
      palimpsest alerts --status pending --since 24h
    """
    rows = list_alerts(app.store, status=status, since=since, limit=limit)
    secrets = _secrets(app)
    docs = [
        {
            "id": r.id,
            "event": r.event_id,
            "site": r.site,
            "kind": r.kind,
            "destination": r.destination,
            "status": r.status,
            "attempts": r.attempts,
            "last_error": redact(r.last_error, secrets) if r.last_error else None,
            "created_at": r.created_at.isoformat(),
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
        }
        for r in rows
    ]
    emit({"alerts": docs, "count": len(docs)}, as_json, _print_alerts)


def _print_alerts(doc: dict[str, Any]) -> None:
    if not doc["alerts"]:
        say("No alerts.")
        return
    table(
        ("id", "event", "site", "kind", "destination", "status", "tries", "created", "last error"),
        [
            (
                d["id"],
                d["event"],
                d["site"],
                d["kind"],
                d["destination"],
                d["status"],
                d["attempts"],
                when(d["created_at"]),
                (d["last_error"] or "")[:80],
            )
            for d in reversed(doc["alerts"])
        ],  # oldest at the top, as a log reads
        wide=("last error",),
    )


@click.command()
@click.option("--retry-failed", is_flag=True, help="First give alerts marked failed (given up) another chance.")
@json_option()
@pass_app
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
    from notify.deliver import deliver  # apprise: paid for by the commands that send, not at start-up

    report = deliver(app)
    emit(report.as_dict(), as_json, lambda _doc: _print_report(app, report))
    finish(report.ok)


def _print_report(app: App, report: DeliveryReport) -> None:
    if not app.config.destinations:
        say("No destinations configured: add [[notify]] entries or set PALIMPSEST_NOTIFY.")
    if report.destinations:
        table(
            ("destination", "sent", "failed", "gave up", "waiting", "last error"),
            [
                (
                    name if d.configured else f"{name} (not in the config)",
                    d.sent,
                    d.failed,
                    d.gave_up,
                    d.pending,
                    d.error or "",
                )
                for name, d in report.destinations.items()
            ],
            wide=("last error",),
        )
    say(f"{report.sent} sent, {report.failed} failed, {report.pending} waiting.")


def _secrets(app: App) -> set[str]:
    found: set[str] = set()
    for destination in app.config.destinations:
        found |= secrets_of(destination.url)
    return found


COMMANDS: list[Any] = [alerts, notify]
