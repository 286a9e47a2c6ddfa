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
from evidence.settings import LogSettings

if TYPE_CHECKING:
    from crawler.sites.base import SiteParser


CONFIG_FILE = "palimpsest.toml"
CONTACT_URL = "https://github.com/palimpsest-archive/palimpsest#for-site-operators"
"""Where a site's operators read what this crawler is; the operator may point it elsewhere."""
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
    "parser": (None, str, "Registered parser (`charter97`, `onliner`, `generic`, `selectors`); used for "
                          "whatever host the URLs name."),
    "start_urls": ([], list, "Listing pages to discover articles from (newest first)."),
    "feeds": ([], list, "RSS or Atom feeds to discover articles from."),
    "sitemaps": ([], list, "Sitemaps, sitemap indexes or news sitemaps to discover articles from; a "
                           "`lastmod` later than an article's last capture makes it due at once."),
    "timezone": (None, str, "Zone of dates printed without one (default: the parser's, e.g. Europe/Minsk)."),
    "expect": (None, list, "Fields every article page should yield; a run where many pages lack one is "
                           "judged parser broken (default: the parser's own, e.g. charter97: headline, "
                           "published, views; generic: headline, body)."),
    "article_urls": (None, str, "Regular expression an article URL must match (searched in the canonical "
                                "URL); default: the parser's own rule."),
    "selectors": (None, dict, "With `parser = \"selectors\"`: CSS or XPath per field (headline, lead, body, "
                              "published, updated, author, tags, image, videos, views, comments), "
                              "`published_format`, `updated_format`, `root` and `noise` (see README)."),
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
    "concurrency": (8, int, "Requests in flight at once to the site, per worker."),
    "delay": (0.5, float, "Seconds between requests to the site, across all workers together (0: no limit)."),
    "backoff": ("30s", str, "Pause of every worker after a 429 or 503 answer that names no `Retry-After`."),
    "backoff_max": ("10m", str, "Longest `Retry-After` honoured after a 429 or 503 answer."),
    "timeout": (30.0, float, "Seconds before a request is abandoned (a transient failure)."),
    "max_size": (10_485_760, int, "Largest response body in bytes, once decompressed; a larger one is cut off "
                                  "and recorded as a transient capture."),
    "robots": (True, bool, "Obey the site's robots.txt. An archive may have to opt out: then give `robots_reason`."),
    "robots_reason": (None, str, "Why robots.txt is not obeyed (required with `robots = false`); recorded "
                                 "in every capture's provenance."),
    "hosts": ([], list, "Hosts fetched besides those of `start_urls` and `feeds`; every other host is offsite "
                        "and never fetched."),
    "contact_url": (CONTACT_URL, str, "Where the site's operators learn who crawls them; part of the User-Agent."),
    "user_agent": ("Mozilla/5.0 (compatible; Palimpsest/0.1; +{contact_url})", str,
                   "User-Agent header, naming the project; `{contact_url}` is replaced. Some sites "
                   "(charter97's feeds) refuse clients that send none."),
    "lease": ("30m", str, "How long a worker holds the articles it claimed; a dead worker's are due again after it."),
    "lease_batch": (40, int, "Articles a worker claims at a time, so that several workers share a round."),
}

# The values each numeric setting may take, beside the declarations above: (lowest,
# highest, whether the lowest itself is allowed). A value outside does harm quietly
# (a negative timeout reads as an outage, a share above 1 turns protection off).
SITE_RANGES: dict[str, tuple[float, float, bool]] = {
    "listing_pages": (1, 1000, True),
    "max_articles": (1, 1_000_000, True),
    "edit_confirmations": (1, 100, True),
    "delete_confirmations": (1, 100, True),
    "broken_share": (0, 1, False),
    "min_pages": (1, 1_000_000, True),
    "recheck_factor": (0, 100, False),
    "concurrency": (1, 256, True),
    "delay": (0, 3600, True),
    "timeout": (0, 3600, False),
}
# Settings whose value is never shown in an error message.
SECRET_SETTINGS = frozenset({"url"})

DESTINATION_SETTINGS: dict[str, tuple[Any, type, str]] = {
    "url": (None, str, "An apprise URL (mailtos://, tgram://, slack://, json://, …). A secret: never printed."),
    "name": (None, str, "Stable name for the outbox (default: scheme and a hash of the URL)."),
    "events": (sorted(str(k) for k in WATCHDOG_EVENTS - {EventKind.NEW}) + ["parser_broken", "site_unreachable"], list,
               "Event kinds sent to it (new, edited, reverted, deleted, restored, mass_deletion, parser_broken, "
               "site_unreachable, site_recovered)."),
    "sites": ([], list, "Only these sites (default: all)."),
    "format": ("markdown", str, "Message body format: text, markdown or html."),
    "tag": (None, str, "Apprise tag attached to its notifications, for apprise-side routing."),
}


# The evidence log's settings: the `[evidence]` table. Paths are relative to the config file.
EVIDENCE_SETTINGS: dict[str, tuple[Any, type, str]] = {
    "key": ("palimpsest.key", str, "Ed25519 key that signs the tree heads; created on first use, kept out of "
                                   "the store (its public half beside it as `.pub`)."),
    "heads_file": ("palimpsest-heads.jsonl", str, "Append-only file of every signed tree head, one JSON per line, "
                                                  "to share with others."),
    "tsa": ([], list, "RFC 3161 timestamp authority URLs that timestamp each tree head (none by default)."),
    "tsa_certs": ([], list, "PEM files of the CA certificates the TSAs' chains must lead to."),
    "tsa_timeout": (10.0, float, "Seconds to wait for a TSA; an unanswered request is retried on the next run."),
}


@dataclass(frozen=True)
class Politeness:
    """How a site is fetched besides its pace (``delay``): robots.txt, backoff, limits, hosts."""

    backoff: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=10)
    max_size: int = 10_485_760
    robots: bool = True
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
    listing_pages: int = 2
    max_articles: int = 500
    policy: Policy = field(default_factory=Policy)
    health: HealthPolicy = field(default_factory=HealthPolicy)
    schedule: Schedule = field(default_factory=Schedule)
    concurrency: int = 8
    delay: float = 0.5
    timeout: float = 30.0
    user_agent: str = SITE_SETTINGS["user_agent"][0].format(contact_url=CONTACT_URL)
    expect: tuple[str, ...] | None = None
    article_urls: str | None = None
    selectors: dict[str, Any] | None = None
    politeness: Politeness = field(default_factory=Politeness)
    lease: timedelta = timedelta(minutes=30)
    lease_batch: int = 40

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
    v = _check(entry, EVIDENCE_SETTINGS, "evidence", required=())
    for url in v["tsa"]:
        if urlsplit(str(url)).scheme not in ("http", "https"):
            raise ConfigError(f"evidence: tsa: not an http(s) URL: {url!r}")
    return LogSettings(key_path=here / v["key"], heads_file=here / v["heads_file"],
                       tsa_urls=tuple(v["tsa"]), tsa_certs=tuple(here / c for c in v["tsa_certs"]),
                       tsa_timeout=v["tsa_timeout"])


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
            shown = type(value).__name__ if key in SECRET_SETTINGS else repr(value)
            raise ConfigError(f"{where}: `{key}` must be {kind.__name__}, not {shown}")
        if kind is list and value and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of strings")
        _check_range(key, value, where)
        values[key] = value
    return values


def _check_range(key: str, value: Any, where: str) -> None:
    if key not in SITE_RANGES or value is None:
        return
    low, high, low_ok = SITE_RANGES[key]
    if value > high or value < low or (value == low and not low_ok):
        bound = f">= {low}" if low_ok else f"> {low}"
        raise ConfigError(f"{where}: `{key}` = {value!r} is out of range (must be {bound} and <= {high})")


def check_store_url(url: str) -> str:
    """``url`` if it names a database driver SQLAlchemy has; the error never shows a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError("store: not a database URL (e.g. sqlite:///palimpsest.db, "
                          "postgresql+psycopg://user@host/db)") from None
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError):
        raise ConfigError(f"store: unknown database driver {parsed.drivername!r} "
                          "(use sqlite or postgresql+psycopg)") from None
    return url


def _check_urls(values: dict[str, Any], where: str) -> None:
    for key in ("start_urls", "feeds"):
        for url in values[key]:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ConfigError(f"{where}: `{key}`: {url!r} is not an http(s) URL")


def _site(entry: dict[str, Any], index: int) -> SiteConfig:
    where = f"sites[{index}] ({entry.get('name', '?')})"
    v = _check(entry, SITE_SETTINGS, where, required=("name", "parser"))
    if not v["start_urls"] and not v["feeds"] and not v["sitemaps"]:
        raise ConfigError(f"site {v['name']!r}: give `start_urls`, `feeds` or `sitemaps`")
    _check_urls(v, where)
    site = SiteConfig(
        name=v["name"], parser=v["parser"], start_urls=tuple(v["start_urls"]), feeds=tuple(v["feeds"]),
        sitemaps=tuple(v["sitemaps"]),
        timezone=v["timezone"], listing_pages=v["listing_pages"], max_articles=v["max_articles"],
        policy=Policy(edit_confirmations=v["edit_confirmations"],
                      delete_confirmations=v["delete_confirmations"],
                      delete_min_age=_duration(v, "delete_min_age", where)),
        health=HealthPolicy(broken_share=v["broken_share"], min_pages=v["min_pages"]),
        schedule=_schedule(v, where),
        concurrency=v["concurrency"], delay=v["delay"], timeout=v["timeout"],
        user_agent=v["user_agent"].replace("{contact_url}", v["contact_url"]),
        expect=tuple(v["expect"]) if v["expect"] is not None else None, article_urls=v["article_urls"],
        selectors=v["selectors"],
        politeness=_politeness(v, where), lease=_duration(v, "lease", where), lease_batch=v["lease_batch"],
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
        raise ConfigError(f"{where}: `selectors` goes with `parser = \"selectors\"` and is required by it")
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
    low, high = _duration(values, "recheck_min", where), _duration(values, "recheck_max", where)
    if low > high:
        raise ConfigError(f"{where}: `recheck_min` ({values['recheck_min']}) is longer than "
                          f"`recheck_max` ({values['recheck_max']})")
    return Schedule(min_interval=low, max_interval=high, factor=values["recheck_factor"])


def _politeness(v: dict[str, Any], where: str) -> Politeness:
    if not v["robots"] and not (v["robots_reason"] or "").strip():
        raise ConfigError(f"{where}: `robots = false` needs `robots_reason` (why this archive must ignore it)")
    return Politeness(backoff=_duration(v, "backoff", where),
                      backoff_max=_duration(v, "backoff_max", where), max_size=v["max_size"],
                      robots=v["robots"], robots_reason=v["robots_reason"],
                      hosts=tuple(h.lower() for h in v["hosts"]))


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
    from notify.deliver import usable_url

    if not usable_url(v["url"]):
        raise ConfigError(f"notify[{index}]: apprise cannot use the url {mask_url(v['url'])} "
                          "(check its scheme and syntax)")
    return Destination(name=v["name"] or destination_name(v["url"]), url=v["url"],
                       events=frozenset(v["events"]), sites=frozenset(v["sites"]),
                       format=v["format"], tag=v["tag"])
