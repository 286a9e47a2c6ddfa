"""``palimpsest show``, ``diff`` and ``serve`` against the crawled store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from localsite import free_port
from palimpsest.cli import main
from tests.support.review import EDITED, GONE

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(crawled, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PALIMPSEST_DB", crawled.url)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)

    def run(*args: str, code: int = 0):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_show_a_version_with_its_capture_and_digests(cli, crawled):
    url = crawled.site.url(EDITED)
    data = json.loads(cli("show", url, "--version", "1", "--json"))
    assert data["version"] == 1 and data["versions"] == 3
    assert "Postpones" in data["content"]["headline"]
    assert data["capture"]["status"] == 200 and len(data["capture"]["digests"]["response_sha256"]) == 64
    assert data["capture"]["views"] is not None
    text = cli("show", url, "--version", "2")
    assert "Cancels" in text and "record_hash" in text and crawled.moved in text
    assert "\x1b[" not in text  # not a terminal: no colour codes


def test_show_at_a_time(cli, crawled):
    url = crawled.site.url(EDITED)
    now = json.loads(cli("show", url, "--json"))
    assert now["version"] == 3
    first = json.loads(cli("show", url, "--version", "1", "--json"))["capture"]["fetched_at"]
    then = json.loads(cli("show", url, "--at", first, "--json"))
    assert then["version"] == 1
    assert "nothing read" in cli("show", url, "--at", "2000-01-01", code=1)
    assert cli("show", url, "--at", "1d", "--version", "1", code=2)


def test_show_while_gone_says_so(cli, crawled):
    url = crawled.site.url(GONE)
    with crawled.store.reader() as s:
        from sqlalchemy import select

        from store.models import Capture

        gone_at = s.scalar(
            select(Capture.fetched_at).where(Capture.article_id == crawled.ids[GONE], Capture.outcome == "gone")
        )
    data = json.loads(cli("show", url, "--at", gone_at.isoformat(), "--json"))
    assert data["version"] == 1 and data["latest_capture"]["status"] == 404


def test_diff_from_to_and_aliases(cli, crawled):
    url = crawled.site.url(EDITED)
    text = cli("diff", url, "--from", "1", "--to", "2")
    assert "headline: City Council of Zarechensk [-Postpones-]{+Cancels+}" in text
    assert "> (moved from ¶1)" in text and "{+Tuesday.+}" in text
    assert cli("diff", url, "--old", "1", "--new", "2") == text
    merged = json.loads(cli("diff", url, "--json"))
    assert (merged["old"], merged["new"]) == (2, 3)
    assert [b["kind"] for b in merged["blocks"]] == ["merged"]
    assert cli("diff", url, "--from", "9", code=2)


def test_diff_at_a_time(cli, crawled):
    url = crawled.site.url(EDITED)
    first = json.loads(cli("show", url, "--version", "1", "--json"))["capture"]["fetched_at"]
    data = json.loads(cli("diff", url, "--at", first, "--json"))
    assert (data["old"], data["new"]) == (1, 3)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert json.loads(cli("diff", url, "--from", first, "--to", later, "--json"))["new"] == 3


def test_serve_needs_a_token_beyond_loopback(cli):
    assert "beyond loopback" in cli("serve", "--host", "0.0.0.0", code=2)


def test_serve_answers_with_a_token(crawled, tmp_path):
    port = free_port()
    env = {"PALIMPSEST_DB": crawled.url, "PALIMPSEST_TOKEN": "s3cret", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "palimpsest", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/static/review.css", timeout=1)
            except urllib.error.HTTPError as exc:
                exc.close()
                assert exc.code == 401
                assert "default-src 'none'" in exc.headers["content-security-policy"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("serve did not start")
        request = urllib.request.Request(f"{base}/", headers={"Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200 and b"Recent changes" in response.read()
        with urllib.request.urlopen(f"{base}/feed.atom?token=s3cret", timeout=5) as response:
            assert response.headers["content-type"].startswith("application/atom+xml")
        with pytest.raises(urllib.error.HTTPError) as wrong:
            urllib.request.urlopen(urllib.request.Request(f"{base}/", headers={"Authorization": "Bearer nope"}))
        wrong.value.close()
        assert wrong.value.code == 401
    finally:
        proc.terminate()
        proc.wait(10)
