"""Every user mistake the robustness issue lists is one line naming it, never a traceback.

Exit 2 for configuration and arguments, 1 for a run that could not happen (the store
cannot be reached or opened), and never the value of a secret.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from palimpsest.cli import main

SECRET = "s3cretpassw0rd"
SITE = '[[sites]]\nname = "c97"\nparser = "charter97"\nstart_urls = ["https://charter97.org/en/news/"]\n'


def invoke(tmp_path, monkeypatch, args, *, toml: str | bytes | None = None, db: str | None = None):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    monkeypatch.delenv("PALIMPSEST_NOTIFY", raising=False)
    if db is None:
        monkeypatch.setenv("PALIMPSEST_DB", f"sqlite:///{tmp_path / 'p.db'}")
    else:
        monkeypatch.setenv("PALIMPSEST_DB", db)
    if toml is not None:
        path = tmp_path / "palimpsest.toml"
        path.write_bytes(toml if isinstance(toml, bytes) else toml.encode())
    return CliRunner().invoke(main, args)


def assert_one_line(result, status: int, *fragments: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == status, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(("palimpsest:", "Error:", "Usage:")) or "Error" in lines[0], lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert SECRET not in result.output
    assert "Traceback" not in result.output


STORES = [
    (
        "postgres-unreachable",
        f"postgresql+psycopg://archive:{SECRET}@127.0.0.1:1/palimpsest",
        1,
        ["store", "127.0.0.1"],
    ),
    ("sqlite-unopenable", "sqlite:////nonexistent-dir/palimpsest.db", 1, ["store", "open", "nonexistent-dir"]),
    ("unknown-driver", f"foo://user:{SECRET}@host/db", 2, ["store", "foo"]),
    ("malformed-url", "not a database url", 2, ["store", "not a database URL"]),
]


@pytest.mark.parametrize(("db", "status", "fragments"), [s[1:] for s in STORES], ids=[s[0] for s in STORES])
def test_store_errors(tmp_path, monkeypatch, db, status, fragments):
    for args in (["changes"], ["history", "https://charter97.org/en/news/2025/1/1/1/"], ["db", "upgrade"]):
        result = invoke(tmp_path, monkeypatch, args, db=db)
        assert_one_line(result, status, *fragments)


CONFIGS = [
    ("bad-timezone", SITE + 'timezone = "Mars/Olympus"\n', ["timezone", "Mars/Olympus"]),
    ("base-url-number", "base_url = 5\n" + SITE, ["base_url"]),
    ("sites-as-table", '[sites]\nname = "c97"\nparser = "charter97"\n', ["sites", "[[sites]]"]),
    ("not-utf8", b'base_url = "http://caf\xe9/"\n' + SITE.encode(), ["UTF-8"]),
    ("timeout-negative", SITE + "timeout = -1\n", ["timeout"]),
    ("timeout-zero", SITE + "timeout = 0\n", ["timeout"]),
    ("max-articles-negative", SITE + "max_articles = -5\n", ["max_articles"]),
    ("broken-share-over-one", SITE + "broken_share = 5.0\n", ["broken_share"]),
    ("concurrency-zero", SITE + "concurrency = 0\n", ["concurrency"]),
    ("delay-negative", SITE + "delay = -2\n", ["delay"]),
    ("confirmations-zero", SITE + "edit_confirmations = 0\n", ["edit_confirmations"]),
    ("listing-pages-zero", SITE + "listing_pages = 0\n", ["listing_pages"]),
    ("recheck-min-over-max", SITE + 'recheck_min = "8d"\n', ["recheck_min", "recheck_max"]),
    (
        "start-url-not-http",
        '[[sites]]\nname = "c97"\nparser = "charter97"\nstart_urls = ["charter97.org"]\n',
        ["start_urls"],
    ),
    (
        "apprise-unparseable",
        SITE + f'[[notify]]\nurl = "nosuchscheme://user:{SECRET}@host/"\n',
        ["notify[0]", "apprise"],
    ),
    ("url-as-list", SITE + f'[[notify]]\nurl = ["mailtos://user:{SECRET}@example.org"]\n', ["notify[0]", "url"]),
    ("url-as-number", SITE + "[[notify]]\nurl = 5\n", ["notify[0]", "url"]),
]


@pytest.mark.parametrize(("toml", "fragments"), [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_config_errors_are_one_line_exit_2(tmp_path, monkeypatch, toml, fragments):
    result = invoke(tmp_path, monkeypatch, ["changes"], toml=toml)
    assert_one_line(result, 2, "config", *fragments)


def test_unknown_revision(tmp_path, monkeypatch):
    result = invoke(tmp_path, monkeypatch, ["db", "upgrade", "--revision", "nosuch"])
    assert_one_line(result, 2, "nosuch")


@pytest.mark.parametrize("since", ["99999999d", "9" * 30 + "s", "99999999999999999999d"])
def test_since_out_of_range(tmp_path, monkeypatch, since):
    result = invoke(tmp_path, monkeypatch, ["changes", "--since", since])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and since in result.output


def test_secret_in_palimpsest_notify_is_never_echoed(tmp_path, monkeypatch):
    monkeypatch.setenv("PALIMPSEST_NOTIFY", f"nosuchscheme://user:{SECRET}@host/")
    result = invoke(tmp_path, monkeypatch, ["changes"], toml=SITE)
    monkeypatch.setenv("PALIMPSEST_NOTIFY", f"nosuchscheme://user:{SECRET}@host/")
    result = CliRunner().invoke(main, ["changes"])
    assert_one_line(result, 2, "config", "apprise")
