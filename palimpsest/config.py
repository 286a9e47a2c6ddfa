"""Configuration: ``palimpsest.toml`` (or ``--config`` / ``PALIMPSEST_CONFIG``) and env overrides.

Every setting is declared once, in :mod:`palimpsest.settings`; loading checks types and
ranges by those declarations and builds the dataclasses below from them.
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

from changes import EventKind, HealthPolicy, Policy, Schedule
from changes.settings import Setting, format_duration, from_settings
from evidence.settings import LogSettings
from palimpsest.settings import (
    CONTACT_URL,
    DESTINATION_SETTINGS,
    EVIDENCE_SETTINGS,
    SECRET_SETTINGS,
    SITE_SETTINGS,
)

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


def _default(name: str) -> Any:
    return SITE_SETTINGS[name].default


@dataclass(frozen=True)
class Politeness:
    """How a site is fetched besides its pace (``delay``): robots.txt, backoff, limits, hosts."""

    backoff: timedelta = _default("backoff")
    backoff_max: timedelta = _default("backoff_max")
    max_size: int = _default("max_size")
    robots: bool = _default("robots")
    robots_reason: str | None = None
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    name: str
    parser: str
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    timezone: str | None = None
    listing_pages: int = _default("listing_pages")
    max_articles: int = _default("max_articles")
    policy: Policy = field(default_factory=Policy)
    health: HealthPolicy = field(default_factory=HealthPolicy)
    schedule: Schedule = field(default_factory=Schedule)
    concurrency: int = _default("concurrency")
    delay: float = _default("delay")
    timeout: float = _default("timeout")
    user_agent: str = _default("user_agent").format(contact_url=CONTACT_URL)
    expect: tuple[str, ...] | None = None
    article_urls: str | None = None
    selectors: dict[str, Any] | None = None
    politeness: Politeness = field(default_factory=Politeness)
    lease: timedelta = _default("lease")
    lease_batch: int = _default("lease_batch")

    @property
    def own_hosts(self) -> tuple[str, ...]:
        """The hosts of the start URLs, feeds and sitemaps: the only ones besides ``politeness.hosts``."""
        urls = (*self.start_urls, *self.feeds, *self.sitemaps)
        return tuple(dict.fromkeys(h for h in (urlsplit(u).hostname for u in urls) if h))

    def build_parser(self) -> SiteParser:
        """The site's parser, as the crawler, ``extract`` and ``reparse`` all use it."""
        from zoneinfo import ZoneInfo

        from crawler.sites import parser_class

        zone = ZoneInfo(self.timezone) if self.timezone else None
        options = {"selectors": self.selectors} if self.selectors is not None else {}
        return parser_class(self.parser)(zone, expects=self.expect, article_urls=self.article_urls, **options)


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
    evidence: LogSettings = field(default_factory=lambda: evidence_settings({}, Path()))

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


def require_config_file(config: Config) -> None:
    """Commands run from cron need a real config: else a stray palimpsest.db appears wherever they run."""
    if config.path is None:
        raise ConfigError(f"no config file found: no ./{CONFIG_FILE}, no --config, no PALIMPSEST_CONFIG")
    if not config.sites:
        raise ConfigError(f"{config.path}: no [[sites]] configured")


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
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    return from_dict(data, environ=env, path=path)


def from_dict(data: dict[str, Any], *, environ: dict[str, str] | None = None, path: Path | None = None) -> Config:
    env = environ or {}
    unknown = set(data) - {"store", "base_url", "sites", "notify", "evidence"}
    if unknown:
        raise ConfigError(f"unknown top-level settings: {sorted(unknown)}")
    for key in ("store", "base_url"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"`{key}` must be a string, not {type(data[key]).__name__}")
    for key in ("sites", "notify"):
        entries = data.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"`{key}` must be a list of tables: write each entry as [[{key}]]")
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
    store_url = check_store_url(env.get("PALIMPSEST_DB") or data.get("store") or DEFAULT_STORE)
    return Config(
        store_url=store_url,
        sites=sites,
        destinations=tuple(destinations),
        base_url=(data.get("base_url") or "").rstrip("/") or None,
        path=path,
        evidence=evidence_settings(data.get("evidence", {}), _home(path, store_url)),
    )


def _home(path: Path | None, store_url: str) -> Path:
    """Where relative evidence paths start: the config file's folder; without one, the
    SQLite store's (the key and heads stay with the installation's files), else the
    user's config folder (``$XDG_CONFIG_HOME/palimpsest``)."""
    if path is not None:
        return path.parent
    if store_url.startswith("sqlite:///") and store_url != "sqlite:///:memory:":
        return Path(store_url.removeprefix("sqlite:///")).parent
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "palimpsest"


def evidence_settings(entry: dict[str, Any], here: Path) -> LogSettings:
    if not isinstance(entry, dict):
        raise ConfigError("evidence: must be a table")
    v = _check(entry, EVIDENCE_SETTINGS, "evidence")
    for url in v["tsa"]:
        if urlsplit(str(url)).scheme not in ("http", "https"):
            raise ConfigError(f"evidence: tsa: not an http(s) URL: {url!r}")
    return LogSettings(
        key_path=here / v["key"],
        heads_file=here / v["heads_file"],
        tsa_urls=tuple(v["tsa"]),
        tsa_certs=tuple(here / c for c in v["tsa_certs"]),
        tsa_timeout=v["tsa_timeout"],
    )


def _check(entry: dict[str, Any], settings: dict[str, Setting], where: str) -> dict[str, Any]:
    """The entry's values by ``settings``: defaults filled in, types and ranges checked,
    durations as ``timedelta``. Each mistake is one line naming ``where`` and the key."""
    unknown = set(entry) - set(settings)
    if unknown:
        raise ConfigError(f"{where}: unknown settings {sorted(unknown)} (known: {', '.join(settings)})")
    values = {}
    for key, setting in settings.items():
        value = entry.get(key, setting.default)
        if value is None and setting.required:
            raise ConfigError(f"{where}: `{key}` is required")
        if value is not None:
            value = _typed(setting, value, where)
        problem = setting.out_of_range(value)
        if problem:
            raise ConfigError(f"{where}: `{key}` = {entry[key]!r} {problem}")
        values[key] = value
    return values


def _typed(setting: Setting, value: Any, where: str) -> Any:
    key, kind = setting.name, setting.kind
    if kind is timedelta:
        if isinstance(value, timedelta):
            return value
        if not isinstance(value, str):  # a bare number would hide its unit
            raise ConfigError(f"{where}: `{key}` must be str (a duration: 90s, 15m, 2h, 7d), not {value!r}")
        try:
            return parse_duration(value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: `{key}`: {exc}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        shown = type(value).__name__ if key in SECRET_SETTINGS else repr(value)
        raise ConfigError(f"{where}: `{key}` must be {kind.__name__}, not {shown}")
    if kind is list and value and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return value


def check_store_url(url: str) -> str:
    """``url`` if it names a database driver SQLAlchemy has; the error never shows a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "store: not a database URL (e.g. sqlite:///palimpsest.db, postgresql+psycopg://user@host/db)"
        ) from None
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError):
        raise ConfigError(
            f"store: unknown database driver {parsed.drivername!r} (use sqlite or postgresql+psycopg)"
        ) from None
    return url


def _check_urls(values: dict[str, Any], where: str) -> None:
    for key in ("start_urls", "feeds"):
        for url in values[key]:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ConfigError(f"{where}: `{key}`: {url!r} is not an http(s) URL")


def _site(entry: dict[str, Any], index: int) -> SiteConfig:
    where = f"sites[{index}] ({entry.get('name', '?')})"
    v = _check(entry, SITE_SETTINGS, where)
    if not v["start_urls"] and not v["feeds"] and not v["sitemaps"]:
        raise ConfigError(f"site {v['name']!r}: give `start_urls`, `feeds` or `sitemaps`")
    _check_urls(v, where)
    site = SiteConfig(
        name=v["name"],
        parser=v["parser"],
        start_urls=tuple(v["start_urls"]),
        feeds=tuple(v["feeds"]),
        sitemaps=tuple(v["sitemaps"]),
        timezone=v["timezone"],
        listing_pages=v["listing_pages"],
        max_articles=v["max_articles"],
        policy=from_settings(Policy, v),
        health=from_settings(HealthPolicy, v),
        schedule=_schedule(v, where),
        concurrency=v["concurrency"],
        delay=v["delay"],
        timeout=v["timeout"],
        user_agent=v["user_agent"].replace("{contact_url}", v["contact_url"]),
        expect=tuple(v["expect"]) if v["expect"] is not None else None,
        article_urls=v["article_urls"],
        selectors=v["selectors"],
        politeness=_politeness(v, where),
        lease=v["lease"],
        lease_batch=v["lease_batch"],
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
    if (site.parser == "selectors") != (site.selectors is not None):
        raise ConfigError(f'{where}: `selectors` goes with `parser = "selectors"` and is required by it')
    if site.article_urls:
        try:
            re.compile(site.article_urls)
        except re.error as exc:
            raise ConfigError(f"{where}: `article_urls`: bad regular expression: {exc}") from None
    if site.selectors is not None:
        from crawler.sites.selectors import SelectorSpec

        try:
            SelectorSpec.from_mapping(site.selectors)
        except ValueError as exc:
            raise ConfigError(f"{where}: selectors: {exc}") from None
    try:
        site.build_parser()
    except KeyError as exc:
        raise ConfigError(f"{where}: {exc.args[0]}") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: `expect`: {exc}") from None


def _schedule(values: dict[str, Any], where: str) -> Schedule:
    if values["recheck_min"] > values["recheck_max"]:
        raise ConfigError(
            f"{where}: `recheck_min` ({format_duration(values['recheck_min'])}) is longer than "
            f"`recheck_max` ({format_duration(values['recheck_max'])})"
        )
    return from_settings(Schedule, values)


def _politeness(v: dict[str, Any], where: str) -> Politeness:
    if not v["robots"] and not (v["robots_reason"] or "").strip():
        raise ConfigError(f"{where}: `robots = false` needs `robots_reason` (why this archive must ignore it)")
    return Politeness(
        backoff=v["backoff"],
        backoff_max=v["backoff_max"],
        max_size=v["max_size"],
        robots=v["robots"],
        robots_reason=v["robots_reason"],
        hosts=tuple(h.lower() for h in v["hosts"]),
    )


def _destination(entry: dict[str, Any], index: int) -> Destination:
    v = _check(entry, DESTINATION_SETTINGS, f"notify[{index}]")
    kinds = {k.value for k in EventKind}
    bad = set(v["events"]) - kinds
    if bad:
        raise ConfigError(f"notify[{index}]: unknown event kinds {sorted(bad)} (known: {sorted(kinds)})")
    if v["format"] not in ("text", "markdown", "html"):
        raise ConfigError(f"notify[{index}]: format must be text, markdown or html")
    from notify.deliver import usable_url

    if not usable_url(v["url"]):
        raise ConfigError(
            f"notify[{index}]: apprise cannot use the url {mask_url(v['url'])} (check its scheme and syntax)"
        )
    return Destination(
        name=v["name"] or destination_name(v["url"]),
        url=v["url"],
        events=frozenset(v["events"]),
        sites=frozenset(v["sites"]),
        format=v["format"],
        tag=v["tag"],
    )
