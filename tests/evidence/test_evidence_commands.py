"""The export, verify and reparse commands, run through click as the CLI runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.log import publish_head
from evidence.settings import LogSettings
from palimpsest.app import App
from palimpsest.commands.evidence import (
    COMMANDS,
    export,
    proof_command,
    reparse_command,
    verify_command,
)
from palimpsest.config import SiteConfig, from_dict
from tests.support.evidence import ARTICLE_A, run, tamper


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command) -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"palimpsest {command.name}" in result.output


def test_export_an_article(filled, tmp_path: Path) -> None:
    out = tmp_path / "a.warc.gz"
    result = run(export, filled, "--article", ARTICLE_A, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "6 captures" in result.output and "sha256 " in result.output


def test_export_defaults_to_the_exports_directory(filled, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(
        export, filled, "--site", "example", "--since", "2025-10-07T15:00", "--until", "2025-10-07T16:00+00:00"
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "exports").glob("example-*.warc.gz"))) == 1
    assert "2 captures" in result.output


def test_export_bundles_for_a_site(filled, tmp_path: Path) -> None:
    result = run(export, filled, "--site", "example", "--bundle", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "b").glob("*.manifest.json"))) == 2
    assert result.output.count("chain ok") == 2


def test_export_errors_are_one_line(filled, tmp_path: Path) -> None:
    result = run(export, filled, "--article", "https://example.org/none", "--out", str(tmp_path / "x.warc.gz"))
    assert result.exit_code == 1 and "no article" in result.output
    result = run(export, filled, "--article", ARTICLE_A, "--bundle", str(tmp_path), "--since", "2025-10-01")
    assert result.exit_code == 2 and "whole history" in result.output
    assert run(export, filled, "--since", "yesterday").exit_code == 2


def test_verify_exits_1_and_names_the_failure(filled) -> None:
    result = run(verify_command, filled)
    assert result.exit_code == 0 and "store verifies" in result.output
    tamper(filled, "UPDATE captures SET status = 503 WHERE id = 3")
    result = run(verify_command, filled)
    assert result.exit_code == 1
    assert "FAIL capture 3: record" in result.output
    result = run(verify_command, filled, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["failures"][0]["subject"] == "capture 3"


def test_reparse_reports(filled) -> None:
    result = run(reparse_command, filled, "--parser", "generic", "--json")
    assert result.exit_code == 0, result.output
    assert sum(json.loads(result.output)["versions"].values()) == 3
    result = run(reparse_command, filled, "--parser", "generic")
    assert result.exit_code == 0 and result.output.startswith("versions: ")
    result = run(reparse_command, filled, "--parser", "nope")
    assert result.exit_code == 1 and "Parser not found: 'nope'" in result.output


def test_the_cli_registers_the_commands() -> None:
    from palimpsest.cli import main

    for name in ("export", "verify", "reparse"):
        assert main.get_command(None, name) is not None, name  # type: ignore[arg-type]


def test_reparse_builds_parsers_with_the_site_zone(filled) -> None:
    """With a config (the CLI's App), each site's configured time zone reaches its parser."""
    zones = []
    configured = from_dict(
        {
            "store": "sqlite://",
            "sites": [
                {
                    "name": "example",
                    "parser": "generic",
                    "start_urls": ["http://127.0.0.1/"],
                    "timezone": "Europe/Minsk",
                }
            ],
        },
        environ={},
    )

    class Config:
        def site(self, name: str) -> SiteConfig:
            zones.append(name)
            return configured.site(name)

    result = CliRunner().invoke(
        reparse_command,
        ["--parser", "generic", "--json"],
        obj=App(config=Config(), store=filled),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert zones == ["example"]


def test_proof_and_verify_head_commands(filled, tmp_path: Path) -> None:
    settings = LogSettings(key_path=tmp_path / "k.key", heads_file=tmp_path / "heads.jsonl")
    head = publish_head(filled, settings)
    out = tmp_path / "proof.json"
    result = run(proof_command, filled, ARTICLE_A, "--out", str(out), settings=settings)
    assert result.exit_code == 0, result.output
    proof = json.loads(out.read_text())
    assert proof["capture"]["url"] == ARTICLE_A and proof["capture"]["id"] == 8
    footer = tmp_path / "footer.txt"
    footer.write_text(
        "-- \n" + "Tree head " + head["origin"] + f": 9 captures, root {head['root_hash']}, "
        f"signed {head['timestamp']}, sig {head['signature']}\n"
    )
    for kept in (str(footer), head["root_hash"], str(settings.heads_file)):
        result = run(verify_command, filled, "--head", kept, settings=settings)
        assert result.exit_code == 0, result.output
        assert f"fingerprint {head['key_fingerprint']}" in result.output
    result = run(verify_command, filled, "--head", "ab" * 32, settings=settings)
    assert result.exit_code == 1 and "kept root" in result.output
    result = run(verify_command, filled, "--head", str(tmp_path / "missing.txt"), settings=settings)
    assert result.exit_code == 2 and "neither a 64-hex root hash nor a readable file" in result.output
    from tests.support.evidence import PARAS, Filler

    Filler(filled).article(ARTICLE_A, "Minister resigns after vote", PARAS, views=99)  # not covered yet
    result = run(proof_command, filled, ARTICLE_A, settings=settings)
    assert result.exit_code == 0 and json.loads(result.output)["capture"]["id"] == 8
    result = run(proof_command, filled, "10", settings=settings)
    assert result.exit_code == 1 and "newer than the latest tree head" in result.output
    result = run(proof_command, filled, "999", settings=settings)
    assert result.exit_code == 1 and "no capture 999" in result.output
