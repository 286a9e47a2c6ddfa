"""The one registry of site parsers: filled by ``@register``, loud on unknown names.

Parser modules are imported explicitly in :data:`PARSER_MODULES`, so the list of
sites is visible in one place and nothing is discovered by accident.

A parser name may hold several versions (as Fundus does): each registered class is one
version, valid from its ``valid_from`` date until the next version's. A capture is read
by the version valid on the day it was fetched; a new crawl by the one valid today. A
site that relaunched gets a new class (usually a subclass of the old one) with the
relaunch date and its own fixture, and the old class keeps reading older captures.
"""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime

from crawler.sites.base import PageNotFound, ParseError, SiteParser

PARSER_MODULES = (
    "crawler.sites.charter97",
    "crawler.sites.generic",
    "crawler.sites.onliner",
    "crawler.sites.selectors",
)

_registry: dict[str, list[type[SiteParser]]] = {}
"""Name → its versions, oldest ``valid_from`` first."""
_loaded = False


def register(cls: type[SiteParser]) -> type[SiteParser]:
    """Class decorator: add a parser version under its ``name``.

    Two classes of one name must differ in both ``version`` and ``valid_from``: which
    class reads a capture is decided by date alone, and the version string recorded
    with a reading must name one class.
    """
    versions = _registry.setdefault(cls.name, [])
    if cls in versions:
        return cls
    for other in versions:
        if other.version == cls.version:
            raise ValueError(f"Parser {cls.name!r} version {cls.version!r} is registered twice: {other!r} and {cls!r}")
        if other.valid_from == cls.valid_from:
            raise ValueError(
                f"Parser {cls.name!r}: versions {other.version!r} and {cls.version!r} "
                f"are both valid from {cls.valid_from}"
            )
    versions.append(cls)
    versions.sort(key=lambda c: c.valid_from)
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in PARSER_MODULES:
            importlib.import_module(module)
        _loaded = True


def _day(at: date | datetime | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    if isinstance(at, datetime):  # the site's calendar is not known here: the UTC day decides
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


def split_name(spec: str) -> tuple[str, str | None]:
    """``"charter97/2"`` → ``("charter97", "2")``; a bare name has no version."""
    name, _, version = spec.partition("/")
    return name, version or None


def versions_of(name: str) -> list[type[SiteParser]]:
    """Every version registered as ``name``, oldest first; KeyError names the known parsers."""
    _load()
    try:
        return list(_registry[name])
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise KeyError(f"Parser not found: {name!r} (known: {known})") from None


def parser_class(name: str, at: date | datetime | None = None, *, version: str | None = None) -> type[SiteParser]:
    """The class registered as ``name`` (or ``"name/version"``) that reads a page fetched
    ``at`` (default: now), or the one of that ``version``; KeyError names what exists.

    A capture older than the first version is read by the first: nothing older exists.
    """
    name, given = split_name(name)
    version = version or given
    versions = versions_of(name)
    if version is not None:
        for cls in versions:
            if cls.version == version:
                return cls
        known = ", ".join(c.version for c in versions)
        raise KeyError(f"Parser {name!r} has no version {version!r} (versions: {known})")
    day = _day(at)
    chosen = versions[0]
    for cls in versions[1:]:
        if cls.valid_from <= day:
            chosen = cls
    return chosen


def available() -> list[str]:
    """Names of every registered parser, sorted."""
    _load()
    return sorted(_registry)


__all__ = [
    "PageNotFound",
    "ParseError",
    "SiteParser",
    "available",
    "parser_class",
    "register",
    "split_name",
    "versions_of",
]
