"""``palimpsest show``, ``diff`` and ``serve``: the archive read by people."""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from changes import Content
from changes.diff import diff_content, render_diff
from notify.markup import clean
from palimpsest.commands.common import USAGE, Failure, json_option, pass_app
from palimpsest.options import Moment, VersionOrTime, article_or_exit
from palimpsest.terminal import emit, say, say_json, say_painted, when
from store import changesets
from store.browse import Shown, capture_row, state_at, version_by_seq, versions
from store.queries import confirmed_versions

if TYPE_CHECKING:
    from palimpsest.app import App

# Colours told apart by colour-blind readers (blue and orange-yellow), and the marks
# [-…-] {+…+} stay, so nothing relies on colour alone.
_PAINT = {"delete": {"fg": "yellow", "strikethrough": True}, "insert": {"fg": "blue", "bold": True}}


def _safe(content: dict[str, Any]) -> Content:
    """Stored content with terminal control and direction-override characters blanked."""

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return clean(value)
        return [scrub(v) for v in value] if isinstance(value, list) else value

    return Content.from_json({k: scrub(v) for k, v in content.items()})


# -- show -------------------------------------------------------------------------------


@click.command()
@click.argument("url")
@click.option("--at", "at", type=Moment(), help="What the page said at this time (default: now).")
@click.option("--version", "seq", type=int, help="Version number instead of a time.")
@json_option()
@pass_app
def show(app: App, url: str, at: datetime | None, seq: int | None, as_json: bool) -> None:
    """Show an article as it stood at a time, with the capture that proves it.

    \b
    Examples:
      palimpsest show https://charter97.org/en/news/2025/10/7/659581/ --at 2025-10-07T15:00+03:00
      palimpsest show https://charter97.org/en/news/2025/10/7/659581/ --version 1 --json
    """
    if at is not None and seq is not None:
        raise click.UsageError("give --at or --version, not both")
    from datetime import UTC

    with app.store.reader() as s:
        article = article_or_exit(s, url)
        shown = version_by_seq(s, article, seq) if seq is not None else state_at(s, article, at or datetime.now(UTC))
        if shown is None:
            have = [v.seq for v in versions(s, article.id)]
            raise Failure(
                f"{article.url}: "
                + (
                    f"no version {seq} (have {have})"
                    if seq is not None
                    else f"nothing read at or before {when(at)} (first version {have[:1] or 'not yet read'})"
                )
            )
        data = _shown_json(article.url, len(versions(s, article.id)), shown)
    emit(data, as_json, _print_shown)


def _shown_json(url: str, count: int, shown: Shown) -> dict[str, Any]:
    v = shown.version
    return {
        "url": url,
        "version": v.seq,
        "versions": count,
        "first_seen_at": v.first_seen_at,
        "parser": f"{v.parser}/{v.parser_version}",
        "content_hash": v.content_hash,
        "content": v.content,
        "capture": capture_row(shown.capture),
        "latest_capture": capture_row(shown.latest) if shown.latest else None,
    }


def _print_shown(data: dict[str, Any]) -> None:
    c, cap = _safe(data["content"]), data["capture"]
    say(
        f"{data['url']}\nversion {data['version']} of {data['versions']}, first seen "
        f"{when(data['first_seen_at'])}, parser {data['parser']}"
    )
    say(
        f"from capture #{cap['id']} fetched {when(cap['fetched_at'])}: HTTP {cap['status']} {cap['outcome']}"
        + (f", {cap['views']} views" if cap["views"] is not None else "")
    )
    for name, digest in cap["digests"].items():
        if digest:
            say(f"  {name:<18} {digest}")
    latest = data["latest_capture"]
    if latest:
        say(
            f"note: the latest capture then (#{latest['id']}, {when(latest['fetched_at'])}) "
            f"read no content: {latest['outcome']} {latest['reason'] or ''}"
        )
    say("")
    say(c.headline)
    facts = [
        f"published {c.published_raw or c.published}" if c.published or c.published_raw else "",
        f"updated {c.updated}" if c.updated else "",
        f"by {c.author}" if c.author else "",
        f"tags: {', '.join(c.tags)}" if c.tags else "",
    ]
    if any(facts):
        say(" · ".join(f for f in facts if f))
    if c.lead:
        say(f"\n{c.lead}")
    for paragraph in c.body:
        say(f"\n{paragraph}")


# -- diff -------------------------------------------------------------------------------


@click.command()
@click.argument("url")
@click.option(
    "--from",
    "--old",
    "old",
    type=VersionOrTime(),
    help="Version number or time to compare from (default: the version before --to).",
)
@click.option(
    "--to", "--new", "new", type=VersionOrTime(), help="Version number or time to compare to (default: the latest)."
)
@click.option("--at", "at", type=Moment(), help="Compare what the page said at this time with its latest version.")
@click.option("--context", default=1, show_default=True, help="Unchanged paragraphs shown around each change.")
@click.option("--all", "whole", is_flag=True, help="Show every paragraph, not only the changes.")
@json_option()
@pass_app
def diff(
    app: App,
    url: str,
    old: int | datetime | None,
    new: int | datetime | None,
    at: datetime | None,
    context: int,
    whole: bool,
    as_json: bool,
) -> None:
    """Show what changed between two versions of an article ([-removed-] {+added+}).

    Words are marked inside changed paragraphs; moved, split and merged paragraphs are
    named as such. Coloured on a terminal, plain otherwise.

    \b
    Examples:
      palimpsest diff https://charter97.org/en/news/2025/10/7/659581/ --from 1 --to 2
      palimpsest diff https://charter97.org/en/news/2025/10/7/659581/ --at 2025-10-07T12:00
    """
    if at is not None:
        if old is not None:
            raise click.UsageError("--at is the --from time: give one of them")
        old = at
    with app.store.reader() as s:
        article = article_or_exit(s, url)
        all_versions = versions(s, article.id)
        by_seq = {v.seq: v for v in all_versions}

        def pick(value: int | datetime | None, option: str) -> Any:
            if isinstance(value, int):
                if value not in by_seq:
                    raise click.BadParameter(f"no version {value}: have {sorted(by_seq)}", param_hint=option)
                return by_seq[value]
            shown = state_at(s, article, value) if value is not None else None
            if value is not None and shown is None:
                raise click.BadParameter(f"nothing read at or before {value}", param_hint=option)
            return shown.version if shown else None

        new_v = pick(new, "--to") or (all_versions[-1] if all_versions else None)
        old_v = pick(old, "--from") or (by_seq.get(new_v.seq - 1) if new_v else None)
        confirmed = confirmed_versions(s, article)
        # The change set stored with the event between these two versions (any other pair: computed).
        kinds = sorted(changesets.between(s, article.id, old_v.id, new_v.id).kinds) if old_v and new_v else []
    if old_v is None or new_v is None:
        say(f"{article.url} has fewer than two versions: nothing to compare.")
        return
    a, b = _safe(old_v.content), _safe(new_v.content)
    result = diff_content(a, b)
    color = sys.stdout.isatty() and not as_json
    paint = (lambda op, text: click.style(text, **_PAINT[op])) if color else None
    data = {
        "url": article.url,
        "old": old_v.seq,
        "new": new_v.seq,
        "candidates": [v.seq for v in (old_v, new_v) if v.id not in confirmed],
        "changes": kinds,
        "size": dict(zip(("words_added", "words_removed"), result.size, strict=True)),
        "diff": render_diff(result, context=None if whole else context),
        "fields": [asdict(f) for f in result.changed_fields],
        "blocks": [asdict(blk) for blk in result.body if blk.kind != "equal"],
        "old_content": old_v.content,
        "new_content": new_v.content,
    }
    if as_json:
        say_json(data)
        return

    def label(seq: int) -> str:
        return f"v{seq} (candidate, not confirmed)" if seq in data["candidates"] else f"v{seq}"

    say(
        f"{data['url']}\n{label(data['old'])} → {label(data['new'])}: "
        f"{', '.join(data['changes']) or 'no change'}"
        f" (+{result.size[0]} −{result.size[1]} words)\n"
    )
    # The texts were cleaned by _safe(); the only escapes left are the diff's own colours.
    say_painted(render_diff(result, context=None if whole else context, paint=paint), color=color)


# -- serve ------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--token", envvar="PALIMPSEST_TOKEN", help="Access token (env PALIMPSEST_TOKEN); needed beyond loopback.")
@pass_app
def serve(app: App, host: str, port: int, token: str | None) -> None:
    """Serve the read-only review UI: changes, articles, versions, diffs, search, feeds.

    Binds to 127.0.0.1 unless told otherwise; listening on any other address needs an
    access token, passed once as ?token=… (then kept in a cookie) or as a Bearer header.

    \b
    Examples:
      palimpsest serve                       # http://127.0.0.1:8080/
      PALIMPSEST_TOKEN=s3cret palimpsest serve --host 0.0.0.0 --port 8097
    """
    if not is_loopback(host) and not token:
        raise Failure(f"--host {host} is beyond loopback: set --token or PALIMPSEST_TOKEN", USAGE)
    import uvicorn

    from review import create_app

    web = create_app(app.store, token=token, base_url=app.config.base_url)
    say(f"review UI on http://{host}:{port}/" + (" (token required)" if token else ""))
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False)


COMMANDS = [show, diff, serve]
