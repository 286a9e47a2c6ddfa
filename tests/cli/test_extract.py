"""``palimpsest extract`` with a parser configured in palimpsest.toml: field by field."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from palimpsest.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sites" / "selectors" / "config-only"
META = json.loads((FIXTURE / "meta.json").read_text("utf-8"))


def write_config(tmp_path: Path, **selectors: str) -> None:
    spec = {**META["options"]["selectors"], **selectors}
    lines = [
        "[[sites]]",
        'name = "evening"',
        'parser = "selectors"',
        'start_urls = ["https://vechernii-gorod.example/news/"]',
        'timezone = "Europe/Minsk"',
        "[sites.selectors]",
    ]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in spec.items()]
    (tmp_path / "palimpsest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(main, ["extract", str(FIXTURE / "page_synthetic.html"), "--url", META["url"], *args])


def test_extract_with_a_configured_site_parser(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, author=".nobody-here")
    data = json.loads(run("--parser", "evening").output)
    assert data["parser"] == "selectors/1"
    assert (data["views"], data["published"]) == (12345, "2025-09-14T08:30:00+03:00")
    assert data["missing"] == ["author"] and "author" in data["expects"]

    lines = run("--parser", "evening", "--fields").output.splitlines()
    by_name = {line.split()[1]: line for line in lines[3:]}  # after the parser, the header and its rule
    assert by_name["author"].startswith("MISSING") and "promised" in by_name["author"]
    assert by_name["views"].startswith("ok") and "(printed: 12 345)" in by_name["views"]
    assert by_name["videos"].startswith("-")  # not configured: not promised, not missing
    # The host alone finds the site too.
    assert json.loads(run().output)["parser"] == "selectors/1"


def test_extract_bad_selector_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, body="div[")
    result = run("--parser", "evening")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "bad CSS selector 'div['" in result.output
