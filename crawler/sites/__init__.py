"""The one registry of site parsers: filled by ``@register``, loud on unknown names.

Parser modules are imported explicitly in :data:`PARSER_MODULES`, so the list of
sites is visible in one place and nothing is discovered by accident.
"""

from __future__ import annotations

import importlib

from crawler.sites.base import PageNotFound, ParseError, SiteParser

PARSER_MODULES = (
    "crawler.sites.charter97",
    "crawler.sites.generic",
)

_registry: dict[str, type[SiteParser]] = {}
_loaded = False


def register(cls: type[SiteParser]) -> type[SiteParser]:
    """Class decorator: add a parser under its ``name``; a second one by that name is an error."""
    name = cls.name
    if name in _registry and _registry[name] is not cls:
        raise ValueError(f"Parser {name!r} is registered twice: {_registry[name]!r} and {cls!r}")
    _registry[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in PARSER_MODULES:
            importlib.import_module(module)
        _loaded = True


def parser_class(name: str) -> type[SiteParser]:
    """The parser class registered as ``name``; KeyError names the known ones."""
    _load()
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise KeyError(f"Parser not found: {name!r} (known: {known})") from None


def available() -> list[str]:
    """Names of every registered parser, sorted."""
    _load()
    return sorted(_registry)


__all__ = ["PageNotFound", "ParseError", "SiteParser", "available", "parser_class", "register"]
