"""``palimpsest history`` and ``changes``: an article's timeline, and what happened since a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from palimpsest.commands.common import json_option, pass_app
from palimpsest.options import Moment, article_or_exit
from palimpsest.terminal import emit, say, table, version, when

if TYPE_CHECKING:
    from datetime import datetime

    from palimpsest.app import App


@click.command()
@click.argument("url")
@json_option()
@pass_app
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
    say(
        f"  first seen {when(a['first_seen_at'])}, last capture {when(a['last_capture_at'])}, "
        f"next check {when(a['next_check_at'], never='not scheduled')}"
    )
    say("  captures: " + (", ".join(f"{k} {v}" for k, v in sorted(data["captures"].items())) or "none"))
    say("")
    # * the current version, ? a candidate not (yet) confirmed.
    table(
        ("", "version", "first seen", "last seen", "captures", "headline"),
        [
            (
                "*" if v["current"] else "" if v["confirmed"] else "?",
                version(v["seq"]),
                when(v["first_seen_at"]),
                when(v["last_seen_at"]),
                v["captures"],
                v["headline"],
            )
            for v in data["versions"]
        ],
        wide=("headline",),
    )
    say("")
    table(
        ("event", "at", "kind", "versions", "what"),
        [(f"#{e['id']}", when(e["at"]), e["kind"], _versions(e), _what(e)) for e in data["events"]],
        wide=("what",),
    )
    if data["metrics"]:
        last = data["metrics"][-1]
        say(f"views: {len(data['metrics'])} readings, latest {last['views']} at {when(last['at'])}")


def _versions(event: dict[str, Any]) -> str:
    """``v1 → v2``; a new article only ``→ v1``, a deletion only ``v2``: never ``vNone``."""
    old, new = event["from_version"], event["to_version"]
    if old is None and new is None:
        return ""
    if old is None:
        return f"→ {version(new)}"
    if new is None or new == old:
        return version(old)
    return f"{version(old)} → {version(new)}"


def _what(event: dict[str, Any]) -> str:
    details = event["details"] or {}
    return ", ".join(details.get("changes", [])) or str(details.get("reason", ""))


@click.command()
@click.option(
    "--since",
    type=Moment(),
    default="1d",
    show_default=True,
    help="ISO date or time (UTC unless it names an offset), or a duration back from now.",
)
@click.option("--site", help="Only this site.")
@click.option("--kind", "kinds", multiple=True, help="Only these event kinds (repeatable).")
@click.option("--limit", default=200, show_default=True, help="At most this many events.")
@json_option()
@pass_app
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
        say(f"no events since {when(data['since'])}")
        return
    table(
        ("event", "at", "site", "kind", "versions", "article", "headline", "what"),
        [
            (f"#{e['id']}", when(e["at"]), e["site"], e["kind"], _versions(e), e["url"], e["headline"], _what(e))
            for e in data["events"]
        ],
        wide=("headline", "what"),
    )


COMMANDS = [history, changes]
