"""Option types and lookups the command families share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click

from palimpsest.commands.common import Failure
from palimpsest.config import ConfigError, parse_duration


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
            self.fail(
                f"{value!r}: use an ISO date or time (2025-10-07, 2025-10-07T14:05+03:00) "
                "or a duration back from now (2h, 7d)",
                param,
                ctx,
            )
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


class VersionOrTime(click.ParamType):
    """A version number (``3``) or a time (``2025-10-07T12:00``, ``2h``)."""

    name = "N|TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | datetime:
        if isinstance(value, int | datetime):
            return value
        if str(value).isdigit():
            return int(value)
        return Moment().convert(value, param, ctx)


def article_or_exit(session: Any, url: str) -> Any:
    """The archived article at ``url``; else the command fails (exit 1) saying so."""
    from store.queries import find_article

    article = find_article(session, url)
    if article is None:
        raise Failure(f"no article in the archive at {url}")
    return article
