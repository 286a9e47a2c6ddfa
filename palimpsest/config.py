"""Configuration: ``palimpsest.toml`` (or ``--config`` / ``PALIMPSEST_CONFIG``) and env overrides.

Every setting is declared once, with its default and its documentation, in
:data:`SITE_SETTINGS` and :data:`DESTINATION_SETTINGS`; the README's settings table
is checked against them by the tests.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from changes import WATCHDOG_EVENTS, EventKind, HealthPolicy, Policy, Schedule

if TYPE_CHECKING:
    from crawler.sites.base import SiteParser


CONFIG_FILE = "palimpsest.toml"
DEFAULT_STORE = "sqlite:///palimpsest.db"


class ConfigError(Exception):
    """The configuration is missing, unreadable or wrong; the message says where."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: str | int | float) -> timedelta:
    """``"90s"``, ``"15m"``, ``"2h"``, ``"7d"`` or a number of seconds."""
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"not a duration: {value!r} (use e.g. 90s, 15m, 2h, 7d)")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


# name: (default, type, documentation). Durations are strings like "2h".
SITE_SETTINGS: dict[str, tuple[Any, type, str]] = {
    "name": (None, str, "Unique name of the site; `palimpsest crawl NAME` and `scrapy crawl NAME` use it."),
    "parser": (None, str, "Registered parser (`charter97`, `generic`); used for whatever host the URLs name."),
    "start_urls": ([], list, "Listing pages to discover articles from (newest first)."),
    "feeds": ([], list, "RSS or Atom feeds to discover articles from."),
    "timezone": (None, str, "Zone of dates printed without one (default: the parser's, e.g. Europe/Minsk)."),
    "expect": (None, list, "Fields every article page should yield; a run where many pages lack one is "
                           "judged parser broken (default: the parser's own, e.g. charter97: headline, "
                           "published, views; generic: headline, body)."),
    "article_urls": (None, str, "Regular expression an article URL must match (searched in the canonical "
                                "URL); default: the parser's own rule."),
    "listing_pages": (2, int, "How many pages of each listing to read per run (page limit)."),
    "max_articles": (500, int, "Most articles fetched in one run (new and due rechecks together)."),
    "edit_confirmations": (2, int, "Consecutive captures showing new content before it is an edit."),
    "delete_confirmations": (3, int, "Consecutive gone captures (404, 410, redirect, soft-404) before a deletion."),
    "delete_min_age": ("2h", str, "The gone captures must span at least this long."),
    "broken_share": (0.5, float, "Share of failing pages at which a run is judged broken and its alerts held."),
    "min_pages": (4, int, "Fewer article fetches than this in a run are too few to judge the site by."),
    "recheck_min": ("15m", str, "Shortest interval between checks of one article (new or unsettled ones)."),
    "recheck_max": ("7d", str, "Longest interval between checks of one article (old ones)."),
    "recheck_factor": (0.25, float, "Recheck interval = article age x factor, within the bounds above."),
    "concurrency": (8, int, "Requests in flight at once to the site."),
    "delay": (0.0, float, "Seconds between requests to the site (politeness)."),
    "timeout": (30.0, float, "Seconds before a request is abandoned (a transient failure)."),
    "user_agent": ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/130.0 Safari/537.36 Palimpsest/0.1", str,
                   "User-Agent header; some sites (charter97's feeds) refuse bare clients."),
}

DESTINATION_SETTINGS: dict[str, tuple[Any, type, str]] = {
    "url": (None, str, "An apprise URL (mailtos://, tgram://, slack://, json://, …). A secret: never printed."),
    "name": (None, str, "Stable name for the outbox (default: scheme and a hash of the URL)."),
    "events": (sorted(str(k) for k in WATCHDOG_EVENTS - {EventKind.NEW}) + ["parser_broken", "site_unreachable"], list,
               "Event kinds sent to it (new, edited, reverted, deleted, restored, parser_broken, "
               "site_unreachable, site_recovered)."),
    "sites": ([], list, "Only these sites (default: all)."),
    "format": ("markdown", str, "Message body format: text, markdown or html."),
    "tag": (None, str, "Apprise tag attached to its notifications, for apprise-side routing."),
}


@dataclass(frozen=True)
class SiteConfig:
    name: str
    parser: str
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    timezone: str | None = None
    listing_pages: int = 2
    max_articles: int = 500
    policy: Policy = field(default_factory=Policy)
    health: HealthPolicy = field(default_factory=HealthPolicy)
    schedule: Schedule = field(default_factory=Schedule)
    concurrency: int = 8
    delay: float = 0.0
    timeout: float = 30.0
    user_agent: str = SITE_SETTINGS["user_agent"][0]
    expect: tuple[str, ...] | None = None
    article_urls: str | None = None

    def build_parser(self) -> SiteParser:
        """The site's parser, as the crawler, ``extract`` and ``reparse`` all use it."""
        from zoneinfo import ZoneInfo

        from crawler.sites import parser_class

        zone = ZoneInfo(self.timezone) if self.timezone else None
        return parser_class(self.parser)(zone, expects=self.expect, article_urls=self.article_urls)


@dataclass(frozen=True)
class Destination:
    """Where alerts go. ``url`` is a secret: repr and logs show :attr:`masked` only."""

    name: str
    url: str = field(repr=False)
    events: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()
    format: str = "markdown"
    tag: str | None = None

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    def wants(self, site: str, kind: str) -> bool:
        return kind in self.events and (not self.sites or site in self.sites)


@dataclass(frozen=True)
class Config:
    store_url: str
    sites: tuple[SiteConfig, ...]
    destinations: tuple[Destination, ...] = ()
    base_url: str | None = None
    """Where the review UI is reachable, for links in alerts."""
    path: Path | None = None

    def site(self, name: str) -> SiteConfig:
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        raise ConfigError(f"Site not found: {name!r} (configured: {known})")

    def route(self, site: str, kind: str) -> list[str]:
        """Names of the destinations that want ``kind`` events of ``site``."""
        return [d.name for d in self.destinations if d.wants(site, kind)]

    def destination(self, name: str) -> Destination | None:
        return next((d for d in self.destinations if d.name == name), None)


def mask_url(url: str) -> str:
    """An apprise URL with its secrets hidden (the host only when it is a server name)."""
    from notify.redact import mask

    return mask(url)


def destination_name(url: str) -> str:
    """A stable, secret-free name for an unnamed destination."""
    return f"{urlsplit(url).scheme or 'url'}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def find_config_path(explicit: str | None = None, environ: dict[str, str] | None = None) -> Path | None:
    env = os.environ if environ is None else environ
    for candidate in (explicit, env.get("PALIMPSEST_CONFIG")):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise ConfigError(f"config file not found: {path}")
            return path
    local = Path(CONFIG_FILE)
    return local if local.is_file() else None


def load(explicit: str | None = None, *, environ: dict[str, str] | None = None) -> Config:
    """The configuration in force: file, then ``PALIMPSEST_DB`` / ``PALIMPSEST_NOTIFY``."""
    env = os.environ if environ is None else environ
    path = find_config_path(explicit, env)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    return from_dict(data, environ=env, path=path)


def from_dict(data: dict[str, Any], *, environ: dict[str, str] | None = None, path: Path | None = None) -> Config:
    env = environ or {}
    unknown = set(data) - {"store", "base_url", "sites", "notify"}
    if unknown:
        raise ConfigError(f"unknown top-level settings: {sorted(unknown)}")
    sites = tuple(_site(entry, i) for i, entry in enumerate(data.get("sites", [])))
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ConfigError(f"site names must be unique: {names}")
    destinations = [_destination(entry, i) for i, entry in enumerate(data.get("notify", []))]
    for url in env.get("PALIMPSEST_NOTIFY", "").split():
        destinations.append(_destination({"url": url}, len(destinations)))
    dest_names = [d.name for d in destinations]
    if len(set(dest_names)) != len(dest_names):
        raise ConfigError(f"notify: destination names must be unique: {dest_names}")
    return Config(
        store_url=env.get("PALIMPSEST_DB") or data.get("store") or DEFAULT_STORE,
        sites=sites,
        destinations=tuple(destinations),
        base_url=(data.get("base_url") or "").rstrip("/") or None,
        path=path,
    )


def _check(entry: dict[str, Any], settings: dict[str, tuple[Any, type, str]], where: str,
           required: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(entry) - set(settings)
    if unknown:
        raise ConfigError(f"{where}: unknown settings {sorted(unknown)} (known: {', '.join(settings)})")
    values = {}
    for key, (default, kind, _doc) in settings.items():
        value = entry.get(key, default)
        if value is None and key in required:
            raise ConfigError(f"{where}: `{key}` is required")
        if value is not None and kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
            raise ConfigError(f"{where}: `{key}` must be {kind.__name__}, not {value!r}")
        values[key] = value
    return values


def _site(entry: dict[str, Any], index: int) -> SiteConfig:
    where = f"sites[{index}] ({entry.get('name', '?')})"
    v = _check(entry, SITE_SETTINGS, where, required=("name", "parser"))
    if not v["start_urls"] and not v["feeds"]:
        raise ConfigError(f"site {v['name']!r}: give `start_urls` or `feeds`")
    site = SiteConfig(
        name=v["name"], parser=v["parser"], start_urls=tuple(v["start_urls"]), feeds=tuple(v["feeds"]),
        timezone=v["timezone"], listing_pages=v["listing_pages"], max_articles=v["max_articles"],
        policy=Policy(edit_confirmations=v["edit_confirmations"],
                      delete_confirmations=v["delete_confirmations"],
                      delete_min_age=_duration(v, "delete_min_age", where)),
        health=HealthPolicy(broken_share=v["broken_share"], min_pages=v["min_pages"]),
        schedule=Schedule(min_interval=_duration(v, "recheck_min", where),
                          max_interval=_duration(v, "recheck_max", where), factor=v["recheck_factor"]),
        concurrency=v["concurrency"], delay=v["delay"], timeout=v["timeout"], user_agent=v["user_agent"],
        expect=tuple(v["expect"]) if v["expect"] is not None else None, article_urls=v["article_urls"],
    )
    _check_parser(site)
    return site


def _check_parser(site: SiteConfig) -> None:
    """Build the site's parser once, so that a bad parser setting fails when the config loads."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    where = f"site {site.name!r}"
    if site.timezone:
        try:
            ZoneInfo(site.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}: `timezone`: unknown time zone {site.timezone!r}") from None
    if site.article_urls:
        try:
            re.compile(site.article_urls)
        except re.error as exc:
            raise ConfigError(f"{where}: `article_urls`: bad regular expression: {exc}") from None
    try:
        site.build_parser()
    except KeyError as exc:
        raise ConfigError(f"{where}: {exc.args[0]}") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: `expect`: {exc}") from None


def _duration(values: dict[str, Any], key: str, where: str) -> timedelta:
    try:
        return parse_duration(values[key])
    except ConfigError as exc:
        raise ConfigError(f"{where}: `{key}`: {exc}") from None


def _destination(entry: dict[str, Any], index: int) -> Destination:
    v = _check(entry, DESTINATION_SETTINGS, f"notify[{index}]", required=("url",))
    kinds = {k.value for k in EventKind}
    bad = set(v["events"]) - kinds
    if bad:
        raise ConfigError(f"notify[{index}]: unknown event kinds {sorted(bad)} (known: {sorted(kinds)})")
    if v["format"] not in ("text", "markdown", "html"):
        raise ConfigError(f"notify[{index}]: format must be text, markdown or html")
    return Destination(name=v["name"] or destination_name(v["url"]), url=v["url"],
                       events=frozenset(v["events"]), sites=frozenset(v["sites"]),
                       format=v["format"], tag=v["tag"])
