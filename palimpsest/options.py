"""Option types the command families share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

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
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r}: use an ISO date or time (2025-10-07, 2025-10-07T14:05+03:00) "
                      "or a duration back from now (2h, 7d)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
