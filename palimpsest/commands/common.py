"""What every command shares: how it gets the app, its ``--json`` flag, and how it fails.

Exit statuses, the same for every command (the README's *Commands* section lists them):

- 0: done, and what it checked holds;
- 1 (:data:`FAILED`): the work could not be done or found something wrong: a site could
  not be crawled, an alert not delivered, a site is stale, the store does not verify,
  no such article, the store cannot be reached or is behind its schema;
- 2 (:data:`USAGE`): the user's mistake in the configuration or the arguments.

A command that cannot go on raises :class:`Failure`: ``palimpsest.cli`` prints it as one
line on stderr (``palimpsest: COMMAND: what went wrong``) and exits with its status. A
command whose report itself says that something failed prints the report and ends with
:func:`finish`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from palimpsest.app import App

if TYPE_CHECKING:
    from collections.abc import Callable

OK, FAILED, USAGE = 0, 1, 2

pass_app = click.make_pass_decorator(App)
"""Hands a command the :class:`App` that ``palimpsest.cli.main`` put on the context."""


def json_option(help: str = "Print one JSON document.") -> Callable[[Any], Any]:
    """The ``--json`` flag every query command takes, always passed as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help)


class Failure(click.ClickException):
    """The command cannot do what it was asked: one line naming why, and an exit status."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = code
        self.ctx = click.get_current_context(silent=True)
        """The failing command's context, so that the one line names the command."""


def finish(ok: bool) -> None:
    """End a command whose printed report says whether it succeeded: exit 1 when not."""
    if not ok:
        raise click.exceptions.Exit(FAILED)
