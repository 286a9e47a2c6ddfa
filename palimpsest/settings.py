"""Every setting of the config file, declared once: name, type, default, range, documentation.

The detection thresholds are declared by their own dataclasses in ``changes/``
(:class:`~changes.detect.Policy`, :class:`~changes.health.HealthPolicy`,
:class:`~changes.schedule.Schedule`); the rest here. ``palimpsest.config`` loads the file
by these declarations, and the README's settings tables are generated from them
(:func:`settings_table`; ``tests/test_config.py`` fails when they differ).
"""

from __future__ import annotations

from datetime import timedelta

from changes import WATCHDOG_EVENTS, EventKind, HealthPolicy, Policy, Schedule
from changes.settings import Setting, settings_of
from evidence.settings import LogSettings

CONTACT_URL = "https://github.com/palimpsest-archive/palimpsest#for-site-operators"
"""Where a site's operators read what this crawler is; the operator may point it elsewhere."""


def _table(*settings: Setting) -> dict[str, Setting]:
    return {s.name: s for s in settings}


_PARSER_DEFAULT = "the parser's"

# One [[sites]] entry: the detection thresholds are declared by their dataclasses in
# changes/ (Policy, HealthPolicy, Schedule); the README's table is generated from this.
SITE_SETTINGS: dict[str, Setting] = _table(
    Setting(
        "name",
        str,
        None,
        "Unique name of the site; `palimpsest crawl NAME` and `scrapy crawl NAME` use it.",
        required=True,
        shown="required",
    ),
    Setting(
        "parser",
        str,
        None,
        "Registered parser (`charter97`, `onliner`, `generic`, `selectors`); used for whatever host the URLs name.",
        required=True,
        shown="required",
    ),
    Setting("start_urls", list, [], "Listing pages to discover articles from (newest first)."),
    Setting("feeds", list, [], "RSS or Atom feeds to discover articles from (read the same way for every parser)."),
    Setting(
        "sitemaps",
        list,
        [],
        "Sitemaps, sitemap indexes or news sitemaps to discover articles from (an "
        "index: its 5 most recently changed children). A `lastmod` later than an "
        "article's last capture makes it due at once.",
    ),
    Setting(
        "timezone", str, None, "Zone of dates printed without one (charter97: `Europe/Minsk`).", shown=_PARSER_DEFAULT
    ),
    Setting(
        "expect",
        list,
        None,
        "Fields every article page should yield (charter97: `headline`, `published`, "
        "`views`; generic: `headline`, `body`). A run where many pages lack one is "
        "judged parser broken; a field not listed never counts.",
        shown=_PARSER_DEFAULT,
    ),
    Setting(
        "article_urls",
        str,
        None,
        "Regular expression an article URL must match (searched in the canonical URL), e.g. `'/news/\\d+'`.",
        shown="the parser's rule",
    ),
    Setting(
        "selectors",
        dict,
        None,
        'With `parser = "selectors"`: CSS or XPath per field, date formats, `root` '
        "and `noise` (see *A site from config alone*).",
        shown="—",
    ),
    Setting("listing_pages", int, 2, "How many pages of each listing to read per run (page limit).", low=1, high=1000),
    Setting(
        "max_articles",
        int,
        500,
        "Most articles fetched in one run (new and due rechecks together).",
        low=1,
        high=1_000_000,
    ),
    *settings_of(Policy),
    *settings_of(HealthPolicy),
    *settings_of(Schedule),
    Setting("concurrency", int, 8, "Requests in flight at once to the site, per worker.", low=1, high=256),
    Setting(
        "delay",
        float,
        0.5,
        "Seconds between requests to the site, across all workers together (0: no limit).",
        low=0,
        high=3600,
    ),
    Setting(
        "backoff",
        timedelta,
        timedelta(seconds=30),
        "Pause of every worker after a 429 or 503 answer that names no `Retry-After`.",
        low=0,
    ),
    Setting(
        "backoff_max",
        timedelta,
        timedelta(minutes=10),
        "Longest `Retry-After` honoured after a 429 or 503 answer.",
        low=0,
    ),
    Setting(
        "timeout",
        float,
        30.0,
        "Seconds before a request is abandoned (a transient failure).",
        low=0,
        high=3600,
        low_ok=False,
    ),
    Setting(
        "max_size",
        int,
        10_485_760,
        "Largest response body in bytes, once decompressed; a larger one is cut "
        "off and recorded as a transient capture.",
        low=1,
    ),
    Setting(
        "robots", bool, True, "Obey the site's robots.txt. An archive may have to opt out: then give `robots_reason`."
    ),
    Setting(
        "robots_reason",
        str,
        None,
        "Why robots.txt is not obeyed; recorded in every capture's provenance.",
        shown="required with `robots = false`",
    ),
    Setting(
        "hosts",
        list,
        [],
        "Hosts fetched besides those of `start_urls` and `feeds`; every other host is offsite and never fetched.",
    ),
    Setting(
        "contact_url",
        str,
        CONTACT_URL,
        "Where the site's operators learn who crawls them; part of the User-Agent.",
        shown="the project's page",
    ),
    Setting(
        "user_agent",
        str,
        "Mozilla/5.0 (compatible; Palimpsest/0.1; +{contact_url})",
        "User-Agent header, naming the project; `{contact_url}` is replaced. Some sites (charter97's feeds) "
        "refuse clients that send none.",
    ),
    Setting(
        "lease",
        timedelta,
        timedelta(minutes=30),
        "How long a worker holds the articles it claimed; a dead worker's are due again after it.",
        low=0,
        low_ok=False,
    ),
    Setting(
        "lease_batch", int, 40, "Articles a worker claims at a time, so that several workers share a round.", low=1
    ),
)

# Settings whose value is never shown in an error message.
SECRET_SETTINGS = frozenset({"url"})

# One [[notify]] entry.
DESTINATION_SETTINGS: dict[str, Setting] = _table(
    Setting(
        "url",
        str,
        None,
        "An apprise URL (`mailtos://`, `tgram://`, `slack://`, `json://`, …). A secret: never printed.",
        required=True,
        shown="required",
    ),
    Setting("name", str, None, "Stable name for the outbox.", shown="scheme + hash"),
    Setting(
        "events",
        list,
        sorted(str(k) for k in WATCHDOG_EVENTS - {EventKind.NEW}) + ["parser_broken", "site_unreachable"],
        "Event kinds sent to it (also `new`, `site_recovered`).",
    ),
    Setting("sites", list, [], "Only these sites.", shown="all"),
    Setting("format", str, "markdown", "Message body format: `text`, `markdown` or `html`."),
    Setting("tag", str, None, "Apprise tag attached to its notifications.", shown="—"),
)

# The evidence log's settings: the `[evidence]` table, its defaults those of LogSettings.
# Paths are relative to the config file.
EVIDENCE_SETTINGS: dict[str, Setting] = _table(
    Setting(
        "key",
        str,
        str(LogSettings.key_path),
        "Ed25519 key that signs the tree heads; created on first use, never in the store; `.pub` beside it. "
        "Back it up.",
    ),
    Setting(
        "heads_file",
        str,
        str(LogSettings.heads_file),
        "Append-only file of every signed tree head, one JSON per line, to share.",
    ),
    Setting("tsa", list, [], "RFC 3161 timestamp authority URLs; each tree head is timestamped by each.", shown="none"),
    Setting("tsa_certs", list, [], "PEM files of the CAs the TSAs' certificate chains must lead to.", shown="none"),
    Setting(
        "tsa_timeout",
        float,
        LogSettings.tsa_timeout,
        "Seconds to wait for a TSA; one that does not answer is asked again on the next run.",
        low=0,
        high=3600,
        low_ok=False,
    ),
)


def settings_table(settings: dict[str, Setting]) -> str:
    """The README's Markdown table of ``settings``: generated, so that it cannot drift."""
    rows = [f"| `{s.name}` | {s.default_cell} | {s.doc} |" for s in settings.values()]
    return "\n".join(["| setting | default | meaning |", "| --- | --- | --- |", *rows])
