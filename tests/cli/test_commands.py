"""The command-line contract: help with examples, --json output, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from changes import Content
from palimpsest.cli import main
from store.db import downgrade, is_current

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sites" / "charter97"
URL = "https://charter97.org/en/news/2025/10/7/1/"


def all_commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(all_commands(command, f"{prefix}{name} "))
        else:
            found[prefix + name] = command
    return found


def test_the_contract_commands_exist():
    names = set(all_commands(main))
    assert {"crawl", "history", "diff", "changes", "extract", "db upgrade", "demo"} <= names


@pytest.mark.parametrize("name", sorted(all_commands(main)))
def test_every_command_has_help_with_an_example(name):
    command = all_commands(main)[name]
    assert command.help and "Example" in command.help, f"{name}: help needs an example"


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in all_commands(main):
        assert f"palimpsest {name}" in readme, name


@pytest.fixture
def archived(crawled_store):
    """A store with one article in two versions, and the env pointing the CLI at it."""
    return crawled_store(
        [
            {URL: (Content.build(headline=headline, body=["Same paragraph."]), 10 + i)}
            for i, headline in enumerate(["Bridge opens", "Bridge opening delayed"])
        ],
        page=lambda headline: f"<html><body><h1>{headline}</h1></body></html>".encode(),
    )


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_history_json(archived):
    result = run("history", URL, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [v["headline"] for v in data["versions"]] == ["Bridge opens", "Bridge opening delayed"]
    assert [e["kind"] for e in data["events"]] == ["new", "edited"]
    assert [m["views"] for m in data["metrics"]] == [10, 11]


def test_reading_commands_do_not_migrate_a_store_that_is_behind(archived):
    downgrade(archived, "-1")  # the store as an older palimpsest left it (here: before the first migration)
    for args in (["history", URL], ["changes", "--since", "2025-01-01"], ["alerts"], ["verify"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "palimpsest db upgrade" in result.output and "Traceback" not in result.output, args
        assert result.output.count("\n") == 1, result.output
    engine = create_engine(archived)
    assert not is_current(engine)
    assert run("db", "upgrade").exit_code == 0
    assert is_current(engine)
    engine.dispose()
    assert run("changes", "--since", "2025-01-01").exit_code == 0


def test_history_finds_the_url_without_its_slash(archived):
    assert run("history", URL.rstrip("/")).exit_code == 0


def test_history_of_an_unknown_url_fails(archived):
    result = run("history", "https://charter97.org/en/news/2025/1/1/999/")
    assert result.exit_code == 1


def test_diff_text_and_json(archived):
    text = run("diff", URL)
    assert text.exit_code == 0
    assert "[-opens-]{+opening delayed+}" in text.output
    data = json.loads(run("diff", URL, "--json").output)
    assert data["changes"] == ["headline"] and (data["old"], data["new"]) == (1, 2)


def test_changes_since(archived):
    data = json.loads(run("changes", "--since", "2025-01-01", "--json").output)
    assert [e["kind"] for e in data["events"]] == ["edited", "new"]
    assert data["events"][0]["headline"] == "Bridge opening delayed"
    assert json.loads(run("changes", "--since", "2030-01-01", "--json").output)["events"] == []
    assert run("changes", "--since", "yesterday-ish").exit_code == 2


def test_extract_prints_the_fields(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    meta = json.loads((FIXTURES / "en-article" / "meta.json").read_text())
    result = run("extract", str(FIXTURES / "en-article" / "page_synthetic.html"), "--url", meta["url"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    expected = json.loads((FIXTURES / "en-article" / "expected.json").read_text())
    assert data["headline"] == expected["headline"]
    assert data["parser"] == "charter97/1"


def test_extract_reports_a_parse_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "junk.html"
    page.write_bytes(b"\x00\xff binary junk")
    result = run("extract", str(page), "--url", URL)
    assert result.exit_code == 1
    assert json.loads(result.output)["error_type"] == "ParseError"
    assert run("extract", str(page), "--url", URL, "--parser", "nope").exit_code == 2


def test_bad_config_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "palimpsest.toml").write_text('[[sites]]\nname = "x"\nparser = "nope"\nstart_urls = ["http://a/"]\n')
    result = CliRunner().invoke(main, ["crawl"])
    assert result.exit_code == 2
    assert "Parser not found: 'nope'" in result.output


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "palimpsest", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "crawl" in result.stdout
