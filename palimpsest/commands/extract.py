"""``palimpsest extract``: run a parser on a saved page and show what it reads, field by field."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from palimpsest.commands.common import finish, pass_app
from palimpsest.config import ConfigError
from palimpsest.terminal import say, say_json, table

if TYPE_CHECKING:
    from crawler.sites.base import SiteParser
    from palimpsest.app import App


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option(
    "--parser",
    "parser_name",
    help="A configured site's name (its parser as configured, selectors included) or a "
    "registered parser (default: the site whose start URLs share the host, else charter97).",
)
@click.option("--timezone", help="Zone for dates printed without one.")
@click.option(
    "--fields",
    "by_field",
    is_flag=True,
    help="Print one line per field (promised or not, found or missing) instead of JSON.",
)
@pass_app
def extract(app: App, file: Path, url: str, parser_name: str | None, timezone: str | None, by_field: bool) -> None:
    """Run a parser on a saved page and print what it extracts, as JSON.

    The JSON also says which fields the parser promises (``expects``) and which of them
    it did not find (``missing``), so a site can be set up offline from a saved page.

    \b
    Examples:
      palimpsest extract saved.html --url https://charter97.org/en/news/2025/10/7/659581/
      palimpsest extract saved.html --url https://example.org/news/1 --parser example --fields
    """
    from crawler.page import Page
    from crawler.sites import ParseError

    parser = _parser(app, url, parser_name, timezone)
    page = Page(url=url, body=file.read_bytes())
    label = f"{parser.name}/{parser.version}"
    try:
        item = parser.parse_article(page)
    except ParseError as exc:
        say_json({"url": url, "parser": label, "error": str(exc), "error_type": type(exc).__name__})
        finish(False)
    data: dict[str, Any] = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in item.__dict__.items()}
    data["parser"] = label
    data["expects"] = list(parser.expects)
    data["missing"] = list(parser.missing_fields(item))
    if by_field:
        _print_fields(data)
    else:
        say_json(data)


def _parser(app: App, url: str, name: str | None, timezone: str | None) -> SiteParser:
    """The named site's parser, else the named registered one, else the host's site's."""
    from dataclasses import replace

    from crawler.sites import parser_class

    try:
        sites = app.config.sites
    except ConfigError:
        if name is None:
            sites = ()
        else:
            raise
    site = next((s for s in sites if s.name == name), None) if name is not None else _site_for(sites, url)
    try:
        if site is not None:
            return replace(site, timezone=timezone or site.timezone).build_parser()
        from zoneinfo import ZoneInfo

        return parser_class(name or "charter97")(ZoneInfo(timezone) if timezone else None)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="--parser") from None


def _site_for(sites: Any, url: str) -> Any:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    return next(
        (s for s in sites if any(urlsplit(u).hostname == host for u in (*s.start_urls, *s.feeds, *s.sitemaps))), None
    )


def _print_fields(data: dict[str, Any]) -> None:
    from crawler.sites.base import PROMISABLE_FIELDS
    from notify.markup import clean

    say(f"parser {data['parser']} on {clean(data['url'])}")
    rows = []
    for name in PROMISABLE_FIELDS:
        value = data.get(name)
        promised = name in data["expects"]
        found = value not in (None, "", [], ())
        raw = data.get(f"{name}_raw")
        shown = _short(value) + (f"   (printed: {_short(raw)})" if raw and str(raw) != str(value) else "")
        rows.append(
            (
                "ok" if found else "MISSING" if promised else "-",
                name,
                "promised" if promised else "",
                shown if found else "",
            )
        )
    table(("read", "field", "", "value"), rows, wide=("value",))


def _short(value: Any) -> str:
    from notify.markup import clean

    if isinstance(value, list | tuple):
        first = clean(str(value[0]))[:70] if value else ""
        return f"{len(value)} items: {first!r}…" if len(value) > 1 else repr(first)
    return clean(str(value))[:100]


COMMANDS = [extract]
