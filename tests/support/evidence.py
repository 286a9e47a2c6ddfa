"""Filling a store exactly as the crawler does, and tampering with it as an attacker would."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from click.testing import CliRunner
from sqlalchemy import text

from changes import Content, HealthPolicy, Outcome, Policy, Verdict
from changes.records import Fetched, Reading
from detection import Archive
from evidence.settings import LogSettings
from palimpsest.app import App
from palimpsest.config import Config
from store.writer import ArticleRef

if TYPE_CHECKING:
    from store.db import Store


T0 = datetime(2025, 10, 7, 14, 5, tzinfo=UTC)
SITE = "example"
PARSER = "tiny"
PARSER_VERSION = "1"
UA = "palimpsest/0.1 (+https://example.org/palimpsest)"


def page_html(headline: str, paragraphs: list[str], *, views: int, clock: str = "14:05", padding: int = 0) -> bytes:
    """A small news page whose view counter and clock change between recaptures."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    filler = "".join(f"<li><a href='/news/{i}'>Other story number {i}</a></li>" for i in range(padding))
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{headline}</title></head>"
        f"<body><header><span class='clock'>{clock}</span></header><article><h1>{headline}</h1>"
        f"<div class='text'>{body}</div><span class='views'>{views}</span></article>"
        f"<ul>{filler}</ul></body></html>"
    ).encode()


@dataclass
class Filler:
    """Writes captures through ``store.writer.Archive`` exactly as the crawler does."""

    store: Store
    site: str = SITE
    clock: datetime = T0
    archive: Archive = field(init=False)
    run_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.archive = Archive(self.store)
        self.run_id = self.archive.start_run(self.site, PARSER, now=self.clock)

    def tick(self, minutes: int = 30) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def article(
        self,
        url: str,
        headline: str,
        paragraphs: list[str],
        *,
        views: int = 1,
        framing: str = "gzip",
        clock: str | None = None,
        certificate: bytes | None = None,
    ) -> int:
        """One ok capture of an article page; the reading is what the tiny parser reads."""
        now = self.tick()
        body = page_html(headline, paragraphs, views=views, clock=clock or now.strftime("%H:%M"))
        self.archive.discover(self.run_id, [ArticleRef(url)], now=self.clock)
        content = Content.build(headline=headline, body=paragraphs)
        reading = Reading(parser=PARSER, parser_version=PARSER_VERSION, content=content, views=views)
        fetched = self.fetched(url, body, framing=framing, certificate=certificate)
        return self.archive.record(self.run_id, fetched, Verdict(Outcome.OK, "ok"), article_url=url, reading=reading)

    def timeout(self, url: str) -> int:
        """A fetch that got no response at all."""
        fetched = Fetched(
            kind="article",
            url=url,
            fetched_at=self.tick(),
            request_headers=self.request_headers(),
            error="TimeoutError: no answer in 30 s",
            elapsed_ms=30000,
            provenance=self.provenance(),
        )
        return self.archive.record(self.run_id, fetched, Verdict(Outcome.TRANSIENT, "timeout"), article_url=url)

    def gone(self, url: str) -> int:
        """A 404 answer for an article."""
        body = b"<html><body><h1>Not found</h1></body></html>"
        return self.archive.record(
            self.run_id,
            self.fetched(url, body, status=404, framing="plain"),
            Verdict(Outcome.GONE, "http 404"),
            article_url=url,
        )

    def listing(self, url: str, links: list[str]) -> int:
        body = "".join(f"<a href='{link}'>{link}</a>" for link in links).encode()
        fetched = self.fetched(url, b"<html><body>" + body + b"</body></html>", framing="plain", kind="listing")
        return self.archive.record(self.run_id, fetched, Verdict(Outcome.OK, "ok"))

    def fetched(
        self,
        url: str,
        body: bytes,
        *,
        status: int = 200,
        framing: str = "gzip",
        kind: str = "article",
        certificate: bytes | None = None,
    ) -> Fetched:
        """The exchange as the spider hands it over: Scrapy has already decoded the body.

        ``framing``: ``gzip`` keeps the server's Content-Encoding and its (compressed)
        Content-Length in the head; ``chunked`` keeps Transfer-Encoding; ``plain`` is
        an identity response with a true Content-Length.
        """
        headers = [
            ("Date", self.clock.strftime("%a, %d %b %Y %H:%M:%S GMT")),
            ("Server", "nginx"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Vary", "Accept-Encoding"),
        ]
        headers += {
            "gzip": [("Content-Encoding", "gzip"), ("Content-Length", str(len(body) // 4))],
            "chunked": [("Transfer-Encoding", "chunked")],
            "plain": [("Content-Length", str(len(body)))],
        }[framing]
        return Fetched(
            kind=kind,
            url=url,
            fetched_at=self.clock,
            request_headers=self.request_headers(),
            status=status,
            reason_phrase="OK" if status == 200 else "Not Found",
            response_headers=tuple(headers),
            body=body,
            elapsed_ms=120,
            ip="203.0.113.7",
            certificate_pem=certificate,
            provenance=self.provenance(),
        )

    def request_headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("User-Agent", UA),
            ("Accept", "text/html,application/xhtml+xml"),
            ("Accept-Language", "en"),
            ("Accept-Encoding", "gzip, deflate"),
        )

    def provenance(self) -> dict[str, str]:
        return {"user_agent": UA, "software": "palimpsest/0.1.0", "scrapy": "2.13"}

    def finish(self) -> None:
        self.archive.finish_run(
            self.run_id,
            policy=Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0)),
            health_policy=HealthPolicy(),
            now=self.tick(),
        )


_HEX = re.compile(r"[0-9a-f]{64}")

ARTICLE_A = "https://example.org/news/1"
ARTICLE_B = "https://example.org/news/2"
PARAS = ["First paragraph of the story.", "Second paragraph, with a quote."]


def _raw(params: dict[str, object]) -> dict[str, object]:
    """Digests go to raw SQL as the 32 bytes the store keeps (see store.models.Digest)."""
    return {k: bytes.fromhex(v) if isinstance(v, str) and _HEX.fullmatch(v) else v for k, v in params.items()}


def _hexed(keys: list[str], row: tuple) -> tuple:
    """Digest columns come back from raw SQL as hex, like the ORM gives them."""
    return tuple(
        v.hex() if isinstance(v, bytes | memoryview) and k.endswith(("sha256", "hash")) else v
        for k, v in zip(keys, (bytes(v) if isinstance(v, memoryview) else v for v in row), strict=True)
    )


def tamper(store: Store, sql: str, **params: object) -> None:
    """Change the store behind the archive's back, foreign keys off (as with a SQL shell)."""
    params = _raw(params)
    if store.dialect == "sqlite":
        con = sqlite3.connect(store.engine.url.database)
        try:
            con.execute("PRAGMA foreign_keys=OFF")
            con.execute(sql, params)
            con.commit()
        finally:
            con.close()
        return
    with store.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK triggers
        conn.execute(text(sql), params)


def scalar(store: Store, sql: str, **params: object) -> object:
    found = rows(store, sql, **params)
    return found[0][0] if found else None


def rows(store: Store, sql: str, **params: object) -> list:
    with store.engine.connect() as conn:
        result = conn.execute(text(sql), _raw(params))
        keys = list(result.keys())
        return [_hexed(keys, tuple(r)) for r in result.all()]


def run(command, store, *args: str, settings: LogSettings | None = None):
    """An evidence command through click, on ``store``, as the CLI runs it."""
    config = Config(store_url=store.url, sites=(), evidence=settings or LogSettings(heads_file=None))
    return CliRunner().invoke(command, list(args), obj=App(config=config, store=store), catch_exceptions=False)
