"""Output for people and for scripts, inert in a terminal whatever the scraped text holds."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import click

from notify.markup import printable

logger = logging.getLogger(__name__)

# JSON escapes C0 itself; C1 controls and bidi overrides pass through ensure_ascii=False.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def say(text: str = "", *, err: bool = False) -> None:
    """Print lines for people: no control sequence from scraped text reaches the terminal."""
    click.echo(printable(str(text), lines=True), err=err)


def to_json(data: Any) -> str:
    """One JSON document, exact text kept: the characters a terminal acts on become \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def say_json(data: Any) -> None:
    click.echo(to_json(data))
