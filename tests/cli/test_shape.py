"""One CLI shape: every command in its own module, one output path, one way to fail."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from palimpsest.cli import main
from store.db import Store

COMMANDS_DIR = Path(__file__).parents[2] / "palimpsest" / "commands"
FAMILIES = sorted(p.stem for p in COMMANDS_DIR.glob("*.py") if p.stem not in ("__init__", "common"))
# Output goes through palimpsest.terminal (which strips control characters from site
# text), the app comes from pass_app, failures are Failure or finish(): never these.
FORBIDDEN_CALLS = {
    "click.echo",
    "print",
    "json.dumps",
    "sys.exit",
    "click.pass_obj",
    "Console",
    "click.ClickException",
    "click.get_current_context",
}


def _calls(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            found.add(ast.unparse(node.func))
        elif isinstance(node, ast.Attribute | ast.Name) and ast.unparse(node) in FORBIDDEN_CALLS:
            found.add(ast.unparse(node))  # used as a decorator or passed on
    return found


def _registered(group: click.Group) -> list[click.Command]:
    out = []
    for command in group.commands.values():
        out.append(command)
        if isinstance(command, click.Group):
            out.extend(_registered(command))
    return out


def test_every_family_module_is_registered_and_every_command_comes_from_one():
    registered = {id(c) for c in main.commands.values()}
    for family in FAMILIES:
        module = importlib.import_module(f"palimpsest.commands.{family}")
        assert module.COMMANDS, family
        assert all(id(c) in registered for c in module.COMMANDS), family
    modules = {c.callback.__module__ for c in main.commands.values()}
    assert modules == {f"palimpsest.commands.{f}" for f in FAMILIES}  # none left in palimpsest.cli


@pytest.mark.parametrize("family", FAMILIES)  # common.py defines the convention itself
def test_commands_print_and_fail_one_way(family):
    used = _calls(COMMANDS_DIR / f"{family}.py") & FORBIDDEN_CALLS
    assert not used, f"palimpsest/commands/{family}.py: {sorted(used)}"


def test_cli_module_defines_no_command():
    tree = ast.parse((COMMANDS_DIR.parent / "cli.py").read_text(encoding="utf-8"))
    decorated = [ast.unparse(d) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for d in n.decorator_list]
    assert not [d for d in decorated if "command" in d], decorated


def test_every_json_flag_is_the_same_option():
    for command in _registered(main):
        for param in command.params:
            if "--json" in getattr(param, "opts", ()):
                assert param.name == "as_json" and param.is_flag, command.name


@pytest.fixture
def store_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    Store(url).upgrade().close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALIMPSEST_DB", url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    monkeypatch.delenv("PALIMPSEST_NOTIFY", raising=False)


@pytest.mark.parametrize(
    ("args", "status", "line"),
    [
        (
            ["history", "https://example.org/a/"],
            1,
            "palimpsest: history: no article in the archive at https://example.org/a/",
        ),
        (
            ["show", "https://example.org/a/", "--at", "1d", "--version", "1"],
            2,
            "palimpsest: show: give --at or --version, not both",
        ),
        (["changes", "--bogus"], 2, "palimpsest: changes: No such option"),
        (["changes", "--since", "yesterday"], 2, "palimpsest: changes: Invalid value for '--since': 'yesterday'"),
        (["db", "upgrade", "--revision", "nosuch"], 2, "palimpsest: db upgrade: --revision nosuch"),
        (["serve", "--host", "0.0.0.0"], 2, "palimpsest: serve: --host 0.0.0.0 is beyond loopback"),
        (["nosuchcommand"], 2, "palimpsest: No such command 'nosuchcommand'"),
    ],
)
def test_every_failure_is_one_line_with_its_status(store_env, args, status, line):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == status, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), result.output
    assert result.stdout == "", "failures go to stderr"
