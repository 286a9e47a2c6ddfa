"""Crawls as a user's cron runs them: config files, ``palimpsest`` processes, and the store checks after."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from store import chain
from store.models import Article, Blob, Capture, Event, Version

if TYPE_CHECKING:
    from localsite import LocalSite
    from store.db import Store

PALIMPSEST = str(Path(sys.executable).with_name("palimpsest"))
WATCHDOG = ("new", "edited", "reverted", "deleted", "restored")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # strings and lists of strings: valid TOML as JSON writes them


def write_config(path: Path, store_url: str, site_entry: dict) -> Path:
    lines = [f"store = {toml_value(store_url)}", "", "[[sites]]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in site_entry.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def entry_for(site: LocalSite | None, **settings) -> dict:
    entry = {"name": "c97", "parser": "charter97", "listing_pages": 1, "timeout": 2.0, "delay": 0.0}
    if site is not None:
        entry |= {"start_urls": site.start_urls(), "feeds": site.feed_urls()}
    return entry | settings


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PALIMPSEST_DB", "PALIMPSEST_NOTIFY", "PALIMPSEST_CONFIG")}


def start_crawl(config: Path, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [PALIMPSEST, "--config", str(config), "crawl", "--no-notify", "--json"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=config.parent,
            env=cli_env(),
        )


def run_cli(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PALIMPSEST, "--config", str(config), *args],
        check=False,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=config.parent,
        env=cli_env(),
        timeout=timeout,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def count(store: Store, model, *where) -> int:
    with store.reader() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def has_command(name: str) -> bool:
    out = subprocess.run([PALIMPSEST, "--help"], check=False, capture_output=True, text=True, env=cli_env(), timeout=30)
    return re.search(rf"^\s+{name}\s", out.stdout, re.MULTILINE) is not None


def assert_store_consistent(store: Store) -> None:
    """Both hash chains hold (the store-wide one through every capture in id order), every
    blob reference resolves."""
    with store.reader() as s:
        captures = s.execute(
            select(
                Capture.id,
                Capture.article_id,
                Capture.record_hash,
                Capture.prev_hash,
                Capture.request_sha256,
                Capture.response_sha256,
                Capture.version_id,
                Capture.outcome,
                Capture.ledger_hash,
            ).order_by(Capture.id)
        ).all()
        blobs = dict(s.execute(select(Blob.sha256, Blob.base_sha256)).all())
        heads = dict(s.execute(select(Article.id, Article.head_hash)).all())
        versions = dict(s.execute(select(Version.id, Version.article_id)).all())

    previous = None
    for c in captures:  # id order is commit order: each chains on the capture before it
        assert c.ledger_hash == chain.ledger_hash(previous, c.record_hash), f"capture {c.id}: ledger broken"
        previous = c.ledger_hash

    last: dict[int, str] = {}
    for c in captures:
        assert c.request_sha256 in blobs, f"capture {c.id}: request blob missing"
        assert c.response_sha256 is None or c.response_sha256 in blobs, f"capture {c.id}: response blob missing"
        if c.article_id is not None:
            assert c.prev_hash == last.get(c.article_id), f"capture {c.id}: article chain broken"
            last[c.article_id] = c.record_hash
        if c.version_id is not None:
            assert c.outcome == "ok" and versions[c.version_id] == c.article_id
    for base in blobs.values():
        assert base is None or base in blobs, "a delta whose base is missing"
    for article_id, head in heads.items():
        assert head == last.get(article_id), f"article {article_id}: head_hash is not its latest capture"


def assert_each_article_once(store: Store, n_articles: int) -> None:
    """One version and one ``new`` event per article, and no other watchdog event."""
    with store.reader() as s:
        per_article = Counter(s.scalars(select(Version.article_id)))
        events = s.execute(select(Event.kind, Event.article_id).where(Event.kind.in_(WATCHDOG))).all()
        articles = s.scalar(select(func.count()).select_from(Article))
    assert articles == n_articles
    assert len(per_article) == n_articles and set(per_article.values()) == {1}, "duplicate or missing versions"
    assert Counter(kind for kind, _ in events) == {"new": n_articles}
    assert Counter(article for _, article in events).most_common(1)[0][1] == 1, "an article got two events"


def verify_if_available(config: Path) -> None:
    if not has_command("verify"):
        return
    result = run_cli(config, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
