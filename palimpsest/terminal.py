"""Output for people and for scripts, inert in a terminal whatever the scraped text holds.

Every command prints through this module, and only through it:

- :func:`emit` prints one JSON document with ``--json``, else the human rendering;
- :func:`say` prints lines for people, :func:`table` prints rows in the one table style;
- :func:`when` writes a time for people: to the minute, in UTC, marked as such
  (``2026-12-01 08:06 UTC``). UTC, not the local zone, because cron mail, several
  workers and evidence reports are read on machines set to different zones; the times
  a user types (``--since``, ``--at``) are UTC too unless they name an offset.

JSON keeps times as full ISO 8601 strings with their offset.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

from notify.markup import printable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

# JSON escapes C0 itself; C1 controls and bidi overrides pass through ensure_ascii=False.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

NOWHERE = 160
"""Columns of a table printed to a pipe or a cron log: no screen to fit, so none are cut."""


def say(text: str = "", *, err: bool = False) -> None:
    """Print lines for people: no control sequence from scraped text reaches the terminal."""
    click.echo(printable(str(text), lines=True), err=err)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(data: Any, *, sort_keys: bool = False) -> str:
    """One JSON document, exact text kept: the characters a terminal acts on become \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable, sort_keys=sort_keys)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def say_json(data: Any, *, sort_keys: bool = False) -> None:
    click.echo(to_json(data, sort_keys=sort_keys))


def emit(data: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """Print one JSON document with ``--json``, else the human rendering of the same data."""
    if as_json:
        say_json(data)
    else:
        human(data)


def when(value: datetime | str | None, *, never: str = "never") -> str:
    """A time for people: ``2026-12-01 08:06 UTC`` (to the minute, in UTC); ``never`` for none."""
    if value is None or value == "":
        return never
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the store keeps UTC; a naive time read back from SQLite is UTC
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def span(seconds: float) -> str:
    """A length of time for people, to its two largest units: ``45s``, ``20m 34s``, ``2d 4h``."""
    left, parts = round(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts[:2])


def version(seq: int | None) -> str:
    """A version for people: ``v2``, or ``—`` where there is none (a new article has no "from")."""
    return "—" if seq is None else f"v{seq}"


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, wide: Sequence[str] = ()) -> None:
    """Rows in the one table style of every command: a rule under the header, no frame.

    Cells are plain text (never rich markup: site text may hold ``[brackets]``) with
    control characters removed; the ``wide`` columns fold instead of being cut.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold" if column in wide else "ellipsis", no_wrap=column not in wide)
    for row in rows:
        grid.add_row(*(Text(printable("" if cell is None else str(cell))) for cell in row))
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else NOWHERE
    console = Console(color_system=None, highlight=False, width=width)
    with console.capture() as captured:
        console.print(grid)
    for line in captured.get().splitlines():  # through say(), like every other line; no trailing pad
        say(line.rstrip())


def say_painted(text: str, *, color: bool) -> None:
    """Print text already cleaned of site control characters, whose only escapes are our
    own colours (the diff's marks): :func:`say` would strip those too."""
    click.echo(text, color=color)
