"""The container files, as far as a machine without a container engine can check them:
the compose file's structure and references, the image file's sources, and the
entrypoint's roles run for real (the Scrapyd roles in test_scrapyd.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from palimpsest.cli import main
from store.db import Store
from store.models import Capture
from tests.support.crawls import entry_for, write_config

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
PALIMPSEST = str(Path(sys.executable).with_name("palimpsest"))


def roles() -> set[str]:
    """The roles the entrypoint's case statement handles."""
    text = ENTRYPOINT.read_text()
    body = text.split('case "$role" in', 1)[1].split("esac", 1)[0]
    return set(re.findall(r"^\s+([a-z-]+)\)$", body, re.MULTILINE))


def cli_has(*words: str) -> bool:
    return CliRunner().invoke(main, [*words, "--help"]).exit_code == 0


def test_compose_file_services_reference_real_things():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "scrapyd", "scheduler", "ui"}
    assert services["db"]["image"].startswith("postgres:")
    volumes = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith("./") or source in volumes, (name, volume)
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        if name == "db":
            continue
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Containerfile").resolve()
        assert service["command"][0] in roles(), (name, service["command"])
        assert service["environment"]["PALIMPSEST_DB"].startswith("postgresql+psycopg://")
    assert services["scheduler"]["environment"]["SCRAPYD_URL"] == "http://scrapyd:6800"
    # The UI is published on the loopback interface only.
    assert all(p.startswith("127.0.0.1:") for p in services["ui"]["ports"])


def test_image_file_installs_what_it_names():
    text = (DEPLOY / "Containerfile").read_text()
    for source in re.findall(r"/opt/palimpsest/src/(deploy/[\w.-]+)", text):
        assert (ROOT / source).is_file(), source
    assert 'ENTRYPOINT ["palimpsest-entrypoint"]' in text
    assert "/usr/local/bin/palimpsest-entrypoint" in text


def entrypoint_commands() -> set[str]:
    return set(re.findall(r'"\$PALIMPSEST" ([a-z]+(?: upgrade)?)', ENTRYPOINT.read_text()))


def test_every_palimpsest_command_the_entrypoint_runs_exists():
    commands = entrypoint_commands() - {"serve"}
    assert commands >= {"crawl", "notify", "db upgrade"}
    for command in commands:
        assert cli_has(*command.split()), f"palimpsest {command} does not exist"


def test_the_ui_role_runs_a_real_command():
    assert "serve" in entrypoint_commands()
    assert cli_has("serve", "--host", "127.0.0.1", "--port", "8080")


def run_entrypoint(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PALIMPSEST_")}
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**environ, "PALIMPSEST_BIN": PALIMPSEST, **env},
    )


def test_entrypoint_roles_run(local_site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    config = write_config(tmp_path / "palimpsest.toml", store_url, entry_for(local_site))
    env = {"PALIMPSEST_CONFIG": str(config), "ONCE": "1"}

    looped = run_entrypoint("crawl-loop", "--no-notify", cwd=tmp_path, **env)
    assert looped.returncode == 0, looped.stderr
    # crawl's summary table: the site's row names its first run, healthy.
    assert any(line.split()[:3] == ["c97", "1", "ok"] for line in looped.stdout.splitlines()), looped.stdout
    store = Store(store_url)
    try:
        with store.reader() as s:
            assert s.scalar(select(func.count()).select_from(Capture)) > len(local_site.articles())
    finally:
        store.close()

    status = run_entrypoint("status", "--json", cwd=tmp_path, **env)
    assert status.returncode == 0 and '"ok": true' in status.stdout, status.stdout + status.stderr

    # A round whose Scrapyd is down: the loop says so on stderr and carries on.
    down = run_entrypoint(
        "schedule-loop",
        cwd=tmp_path,
        SCRAPYD_URL="http://127.0.0.1:9",
        SCHEDULE_RUNS_BIN=str(DEPLOY / "schedule-runs"),
        **env,
    )
    assert down.returncode == 0
    assert "schedule-runs: http://127.0.0.1:9" in down.stderr and "failed with status" in down.stderr

    unknown = run_entrypoint("no-such-command", cwd=tmp_path, **env)
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
