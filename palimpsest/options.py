"""Option types and lookups the command families share."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from palimpsest.config import ConfigError, parse_duration
from palimpsest.terminal import say


class Moment(click.ParamType):
    """A point in time: ISO 8601 (UTC when it names no offset), or a duration back from now."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.now(UTC) - parse_duration(value)
        except ConfigError:
            pass
        except (OverflowError, ValueError):
            self.fail(f"{value!r}: too far back (at most about 9999 years)", param, ctx)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r}: use an ISO date or time (2025-10-07, 2025-10-07T14:05+03:00) "
                      "or a duration back from now (2h, 7d)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Duration(click.ParamType):
    """A length of time: 90s, 15m, 2h, 7d or a number of seconds."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(value)
        except ConfigError as exc:
            self.fail(str(exc), param, ctx)


def article_or_exit(session: Any, url: str) -> Any:
    """The archived article at ``url``, or a one-line message and exit status 1."""
    from store.queries import find_article

    article = find_article(session, url)
    if article is None:
        say(f"palimpsest: no article in the archive at {url}", err=True)
        sys.exit(1)
    return article
