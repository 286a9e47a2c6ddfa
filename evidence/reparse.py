"""Re-read stored raw captures with a parser and say how each version compares.

Each capture is read by the version of its site's parser that was valid on the day it
was fetched (``crawler.sites``), unless one version is named (``charter97/2``): that
shows which stored versions a new parser version would read differently.

It never invents edits and writes nothing, unless asked to rebuild
(:mod:`evidence.rebuild`), which adds versions and never touches captures or events.
For each version the new reading is

- ``same``: the new parser reads exactly the stored content;
- ``enriched``: it differs only in fields the stored version lacked (old value empty,
  new one present), e.g. an author the old parser did not extract: not an edit;
- ``differs``: a field present in both changed, or one the old parser read is now
  missing: a parser discrepancy for a human to look at, never an edit of the article;
- ``unreadable``: the new parser cannot read the page (ParseError) it once read;
- ``error``: the raw capture is missing or the parser crashed.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from changes.content import Content
from crawler.page import Page
from crawler.sites import ParseError, parser_class, split_name
from evidence.scan import captures_in_order, snapshot
from httpmsg import headers_dict, split_message
from store.blobs import BlobStore
from store.models import Article, Capture, Site, Version

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from crawler.sites import SiteParser
    from store.db import Store

logger = logging.getLogger(__name__)

STATUSES = ("same", "enriched", "differs", "unreadable", "error")
"""From best to worst: a version takes the worst status of its captures."""
CONTENT_FIELDS = tuple(f.name for f in fields(Content))
SHOWN = 300
"""Characters of an old and a new value shown for a discrepancy."""


@dataclass
class VersionCheck:
    """How the current parser reads one stored version."""

    version_id: int
    article_url: str
    site: str
    capture_id: int
    """The (first) capture whose raw response was re-read."""
    old_parser: str
    new_parser: str
    status: str
    fields: dict[str, str] = field(default_factory=dict)
    """Field name → ``added``, ``lost`` or ``changed``."""
    details: dict[str, Any] = field(default_factory=dict)
    """Old and new values of lost or changed fields, or the error message."""


@dataclass(frozen=True)
class Reread:
    """What a rebuild needs of a version read differently: the new reading and where it came from."""

    article_id: int
    version_id: int
    content: Content
    parser: str
    parser_version: str
    capture_id: int
    fetched_at: Any


@dataclass
class ReparseReport:
    counts: Counter[str] = field(default_factory=Counter)
    """Versions per status."""
    enriched_fields: Counter[str] = field(default_factory=Counter)
    findings: list[VersionCheck] = field(default_factory=list)
    """Every version not ``same`` (up to ``max_findings``)."""
    more_findings: int = 0
    max_findings: int = 1000
    rereads: list[Reread] = field(default_factory=list)
    """With ``keep_readings``: each version's first capture read differently (for a rebuild)."""

    @property
    def discrepancies(self) -> list[VersionCheck]:
        return [f for f in self.findings if f.status in ("differs", "unreadable", "error")]

    @property
    def ok(self) -> bool:
        """No version needs a human: every one reads the same or only richer."""
        return not any(self.counts[s] for s in ("differs", "unreadable", "error"))

    def add(self, check: VersionCheck) -> None:
        self.counts[check.status] += 1
        if check.status == "enriched":
            self.enriched_fields.update(check.fields.keys())
        if check.status != "same":
            if len(self.findings) < self.max_findings:
                self.findings.append(check)
            else:
                self.more_findings += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "versions": dict(self.counts),
            "enriched_fields": dict(self.enriched_fields),
            "findings": [asdict(f) for f in self.findings],
            "more_findings": self.more_findings,
        }


def reparse(
    store: Store,
    *,
    site: str | None = None,
    parser_name: str | None = None,
    all_captures: bool = False,
    make_parser: Callable[[str, str], SiteParser] | None = None,
    max_findings: int = 1000,
    keep_readings: bool = False,
) -> ReparseReport:
    """Re-read each version's first capture (every capture showing it with
    ``all_captures``) with the site's parser (or ``parser_name``) and compare.

    The parser version is the one valid at each capture's fetch date, unless
    ``parser_name`` names one (``"charter97/2"``). ``make_parser(site, parser name)``
    builds the parser as configured; by default the registry's class with its default
    time zone (pass one that applies the site's configured zone).
    """
    report = ReparseReport(max_findings=max_findings)
    forced_name, forced_version = split_name(parser_name) if parser_name else (None, None)
    if forced_version is not None:
        parser_class(forced_name, version=forced_version)  # an unknown version fails before the scan
    parsers: dict[tuple[str, str], SiteParser] = {}
    versions: dict[tuple[int, type], SiteParser] = {}
    build = make_parser or (lambda _site, name: parser_class(name)())
    query = (
        select(Capture, Version, Site.name, Site.parser, Article.url)
        .join(Version, Version.id == Capture.version_id)
        .join(Site, Site.id == Capture.site_id)
        .join(Article, Article.id == Capture.article_id)
    )
    if not all_captures:
        query = query.where(Capture.id == Version.first_capture_id)
    if site is not None:
        query = query.where(Site.name == site)
    pending: dict[int, VersionCheck] = {}
    article = None
    with snapshot(store) as s:
        blobs = BlobStore()
        for capture, version, site_name, site_parser, url in captures_in_order(s, query):
            if capture.article_id != article:  # an article's versions are all done: report them
                for check in pending.values():
                    report.add(check)
                pending, article = {}, capture.article_id
            name = forced_name or site_parser
            if (site_name, name) not in parsers:
                parsers[(site_name, name)] = build(site_name, name)
            parser = _version_of(parsers[(site_name, name)], capture, forced_version, versions)
            check, new = _check(s, blobs, parser, capture, version, site_name, url)
            if (
                keep_readings
                and new is not None
                and check.status in ("enriched", "differs")
                and capture.id == version.first_capture_id
            ):
                report.rereads.append(
                    Reread(
                        capture.article_id, version.id, new, parser.name, parser.version, capture.id, capture.fetched_at
                    )
                )
            earlier = pending.get(version.id)
            if earlier is None or STATUSES.index(check.status) > STATUSES.index(earlier.status):
                if earlier is not None:
                    check.fields = {**earlier.fields, **check.fields}
                pending[version.id] = check
        for check in pending.values():
            report.add(check)
    logger.info("reparse: %s", dict(report.counts))
    return report


def _version_of(
    base: SiteParser, capture: Capture, forced: str | None, cache: dict[tuple[int, type], SiteParser]
) -> SiteParser:
    """The version of ``base`` that reads ``capture``: the forced one, or the one of its
    fetch date, configured as ``base``. A parser outside the registry is its only version."""
    try:
        cls = parser_class(base.name, capture.fetched_at, version=forced)
    except KeyError:
        if forced is not None:
            raise
        return base
    key = (id(base), cls)
    if key not in cache:
        cache[key] = base.as_class(cls)
    return cache[key]


def _check(
    s: Session, blobs: BlobStore, parser: SiteParser, capture: Capture, version: Version, site: str, url: str
) -> tuple[VersionCheck, Content | None]:
    check = VersionCheck(
        version.id,
        url,
        site,
        capture.id,
        f"{version.parser}/{version.parser_version}",
        f"{parser.name}/{parser.version}",
        "same",
    )
    try:
        head, body = split_message(blobs.get(s, capture.response_sha256))
    except Exception as exc:
        check.status, check.details = "error", {"message": f"raw response unreadable: {exc}"}
        return check, None
    page = Page(
        url=capture.final_url or capture.url, body=body, status=capture.status or 200, headers=headers_dict(head)
    )
    try:
        new = parser.parse_article(page).content()
    except ParseError as exc:
        check.status, check.details = "unreadable", {"message": f"{type(exc).__name__}: {exc}"}
        return check, None
    except Exception as exc:  # a parser bug must not stop the whole reparse
        logger.warning("reparse: %s crashed on capture %d", check.new_parser, capture.id, exc_info=True)
        check.status, check.details = "error", {"message": f"parser crashed: {type(exc).__name__}: {exc}"}
        return check, None
    old = Content.from_json(version.content)
    check.status, check.fields = classify(old, new)
    check.details = {
        name: {"old": _shown(getattr(old, name)), "new": _shown(getattr(new, name))}
        for name, kind in check.fields.items()
        if kind != "added"
    }
    return check, new


def classify(old: Content, new: Content) -> tuple[str, dict[str, str]]:
    """(status, field → added / lost / changed) of a new reading against a stored one."""
    changed = {}
    for name in CONTENT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        changed[name] = "added" if _empty(before) else "lost" if _empty(after) else "changed"
    if not changed:
        return "same", changed
    return ("enriched" if set(changed.values()) == {"added"} else "differs"), changed


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def _shown(value: Any) -> Any:
    if isinstance(value, tuple):
        value = list(value)
    text = repr(value)
    return value if len(text) <= SHOWN else text[:SHOWN] + "…"
