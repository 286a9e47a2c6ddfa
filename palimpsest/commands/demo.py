"""``palimpsest demo``: a local copy of a news site watched, edited and deleted, offline."""

from __future__ import annotations

from pathlib import Path

import click

from palimpsest.commands.common import Failure, json_option
from palimpsest.terminal import say, say_json


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("palimpsest-demo"),
    show_default=True,
    help="Where the demo keeps its store.",
)
@json_option("Print the outcome as one JSON document.")
def demo(directory: Path, as_json: bool) -> None:
    """Watch a local copy of a news site: crawl, edit and delete articles, crawl again.

    Needs no network: the site is served on 127.0.0.1.

    \b
    Example:
      palimpsest demo
    """
    from palimpsest.demo import run_demo

    outcome = run_demo(directory, echo=None if as_json else say)
    if as_json:
        say_json(outcome)
    if outcome["problems"]:
        raise Failure(f"failed: {'; '.join(outcome['problems'])}")


COMMANDS = [demo]
