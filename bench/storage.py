"""Store bytes per views-only recapture of a ~130 KB article page, against its raw size.

Usage: .venv/bin/python bench/storage.py [--n 200] [--kb 130] [--postgres URL | --no-postgres] [--check]

One article page of the synthetic charter97-like site (``localsite.pages``,
padded to ``--kb`` KB) is recorded ``--n`` times through ``store.writer.Archive``,
exactly as the crawler records it. Between captures only the view counter, the header
clock and the HTTP ``Date`` header change ("views"); a second scenario also rotates the
site chrome (slogan, ad slot ids, most-read box) as the local site does ("chrome").

Growth is measured from the store after the first capture to the store after the last,
divided by ``n - 1``: on SQLite as page_count × page_size after
``PRAGMA wal_checkpoint(TRUNCATE)`` (no VACUUM), broken down per table and index with
the ``dbstat`` table; on PostgreSQL as the sum of ``pg_total_relation_size`` over the
schema's tables (skipped when the server is unreachable). Target: ≤ 1 KB a recapture.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text

from changes.content import Content
from changes.outcome import Outcome, Verdict
from changes.records import Fetched, Reading
from localsite import SiteArticle, pages
from localsite.articles import SITE_TZ
from store.db import Store
from store.writer import Archive, ArticleRef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2025, 10, 7, 14, 5, tzinfo=UTC)
UA = "palimpsest/0.1 (+https://example.org/palimpsest)"
BASE = "https://charter97.example"


class Page:
    """The article page, rendered for recapture ``i`` of a scenario."""

    def __init__(self, kb: int, scenario: str) -> None:
        self.article = SiteArticle(
            id=654321,
            lang="en",
            date=datetime(2025, 10, 7, 12, 0),
            headline="Council votes to close the plant",
            lead="The regional council voted on Tuesday.",
            views=2422,
            comments=5,
            body=[
                f"Paragraph {k}: " + "The council met in the old town hall and heard the plant's workers. " * 4
                for k in range(12)
            ],
        )
        self.template = pages.article_page(self.article, BASE)
        self.padding = pages.Padding(kb).fill(self.template.static_size) if kb else b""
        self.scenario = scenario
        self.others = [
            SiteArticle(id=1000 + k, lang="en", date=datetime(2025, 10, 6), headline=f"Story {k}", lead="", body=[])
            for k in range(30)
        ]

    def render(self, i: int, now: datetime) -> bytes:
        n = i if self.scenario == "chrome" else 0  # "views": slogan, ads and most-read stay put
        return self.template.render(
            {
                "counter": b"5",
                "views": pages.format_views(self.article.views + 7 * i).encode(),
                "comments": pages.comments_html(self.article.id, 5, "en").encode(),
                "clock": pages.clock_html(now.astimezone(SITE_TZ), n, "en").encode(),
                "most_read": pages.most_read_html(self.others, n).encode(),
                "ads": pages.ads_html(n).encode(),
                "pad": self.padding,
            }
        )


def record(store: Store, page: Page, n: int, on_first: Callable[[], None]) -> int:
    """Record ``n`` captures of the page; returns the raw response size of the last."""
    archive = Archive(store)
    url = BASE + page.article.path
    run = archive.start_run("bench", "charter97", now=T0)
    archive.discover(run, [ArticleRef(url)], now=T0)
    content = Content.build(headline=page.article.headline, lead=page.article.lead, body=page.article.body)
    raw = 0
    for i in range(n):
        now = T0 + timedelta(minutes=30 * i)
        body = page.render(i, now)
        fetched = Fetched(
            kind="article",
            url=url,
            fetched_at=now,
            request_headers=(
                ("User-Agent", UA),
                ("Accept", "text/html,application/xhtml+xml"),
                ("Accept-Language", "en"),
                ("Accept-Encoding", "gzip, deflate, br"),
            ),
            status=200,
            reason_phrase="OK",
            response_headers=(
                ("Date", now.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                ("Server", "nginx"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-cache"),
                ("Vary", "Accept-Encoding"),
            ),
            body=body,
            elapsed_ms=180 + i % 50,
            ip="203.0.113.7",
        )
        # No per-capture provenance dict, as the spider builds it: the user agent is in
        # the request blob (shared by every recapture), the software in the run row.
        reading = Reading(
            parser="charter97", parser_version="1", content=content, views=page.article.views + 7 * i, comments=5
        )
        archive.record(run, fetched, Verdict(Outcome.OK, "ok"), article_url=url, reading=reading)
        raw = len(fetched.response_bytes() or b"")
        if i == 0:
            on_first()
    return raw


# -- SQLite -----------------------------------------------------------------------------


def sqlite_sizes(path: Path) -> tuple[int, Counter[str]]:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages_, size = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        per = Counter(dict(con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()))
    finally:
        con.close()
    return pages_ * size, per


def bench_sqlite(n: int, kb: int, scenario: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        store = Store(f"sqlite:///{path}").upgrade()
        first: list[tuple[int, Counter[str]]] = []
        raw = record(store, Page(kb, scenario), n, lambda: first.append(sqlite_sizes(path)))
        store.close()
        total, per = sqlite_sizes(path)
        blob_data = blob_bytes(f"sqlite:///{path}")
    return result("sqlite", scenario, n, raw, total - first[0][0], per - first[0][1], blob_data)


# -- PostgreSQL -------------------------------------------------------------------------


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}", schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def pg_sizes(url: str, schema: str) -> tuple[int, Counter[str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        per = Counter(
            dict(
                conn.execute(
                    text(
                        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"
                    ),
                    {"s": schema},
                ).all()
            )
        )
    engine.dispose()
    return sum(per.values()), per


def bench_postgres(url: str, n: int, kb: int, scenario: str) -> dict | None:
    try:
        create_engine(url).connect().close()
    except Exception as exc:
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    with pg_schema(url) as (store_url, schema):
        store = Store(store_url).upgrade()
        first: list[tuple[int, Counter[str]]] = []
        raw = record(store, Page(kb, scenario), n, lambda: first.append(pg_sizes(store_url, schema)))
        store.close()
        total, per = pg_sizes(store_url, schema)
        blob_data = blob_bytes(store_url)
    return result("postgresql", scenario, n, raw, total - first[0][0], per - first[0][1], blob_data)


# -- report -----------------------------------------------------------------------------


def blob_bytes(url: str) -> dict[str, float]:
    """Mean stored size of the response deltas and of a keyframe."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(text("SELECT codec, AVG(LENGTH(data)) FROM blobs WHERE size > 10000 GROUP BY codec")).all()
        )
    engine.dispose()
    return {k: float(v) for k, v in rows.items()}


def result(
    backend: str, scenario: str, n: int, raw: int, growth: int, per: Counter[str], blobs: dict[str, float]
) -> dict:
    per_capture = growth / (n - 1)
    return {
        "backend": backend,
        "scenario": scenario,
        "n": n,
        "raw": raw,
        "per_capture": per_capture,
        "ratio": per_capture / raw,
        "per_table": {k: v / (n - 1) for k, v in per.most_common() if v},
        "delta_blob": blobs.get("zstd-delta", 0.0),
        "keyframe_blob": blobs.get("zstd", 0.0),
    }


def show(results: list[dict]) -> None:
    print(
        f"{'backend':<11} {'scenario':<8} {'n':>4} {'raw page':>10} {'bytes/recapture':>16} {'ratio':>8} "
        f"{'delta blob':>11} {'keyframe':>9}  target ≤ 1024"
    )
    for r in results:
        mark = "ok" if r["per_capture"] <= 1024 else "OVER"
        print(
            f"{r['backend']:<11} {r['scenario']:<8} {r['n']:>4} {r['raw']:>10,} {r['per_capture']:>16,.0f} "
            f"{r['ratio']:>8.2%} {r['delta_blob']:>11,.0f} {r['keyframe_blob']:>9,.0f}  {mark}"
        )
    for r in results:
        parts = ", ".join(f"{name} {size:,.0f}" for name, size in r["per_table"].items())
        print(f"  {r['backend']}/{r['scenario']} per recapture: {parts}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="captures of the page (default 200)")
    parser.add_argument("--kb", type=int, default=130, help="page size in KB (default 130)")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL URL (default: the test server)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 when a views-only recapture costs > 1 KB")
    args = parser.parse_args(argv)
    results = []
    for scenario in ("views", "chrome"):
        results.append(bench_sqlite(args.n, args.kb, scenario))
        if not args.no_postgres and (pg := bench_postgres(args.postgres, args.n, args.kb, scenario)):
            results.append(pg)
    show(results)
    over = [r for r in results if r["scenario"] == "views" and r["per_capture"] > 1024]
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
