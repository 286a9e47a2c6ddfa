"""Review UI pages on a large store: the changes list, an article page and a diff page.

Usage: .venv/bin/python bench/review.py [--captures 1000000] [--per-article 100]
       [--postgres URL | --no-postgres] [--repeat 30]

The store is built by bulk SQL inserts (migrations first, so the schema and the search
index are the real ones): ``captures / per-article`` articles of the synthetic site's
text, three versions each (an edit, then a move), events new → edited → edited, one in
twenty deleted, and ``per-article`` captures each with a rising view count. Then each
page is requested ``--repeat`` times in process through Starlette's test client
(routing, queries, diff, templates, headers; no network), and the median and the
slowest are printed with the first, cold request. Target: each page under 100 ms.

The article page rechecks the article's evidence chain once per new capture (cached by
head hash); bulk-inserted captures have no raw responses, so that check fails fast
here and costs less than on a real store: its cost is printed apart (``verify``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from changes.content import Content
from localsite import make_articles
from store.db import Store

logger = logging.getLogger(__name__)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20000


def _versions(article) -> list[Content]:
    body = list(article.body)
    v1 = Content.build(headline=article.headline, lead=article.lead, body=body, published=article.date.isoformat())
    edited = [body[0].replace(" ", " really ", 1), *body[1:]]
    v2 = Content.build(
        headline=article.headline + " (updated)", lead=article.lead, body=edited, published=article.date.isoformat()
    )
    v3 = Content.build(
        headline=v2.headline, lead=article.lead, body=[*edited[1:], edited[0]], published=article.date.isoformat()
    )
    return [v1, v2, v3]


def build(url: str, captures: int, per_article: int) -> dict[str, int]:
    """Fill an empty store at ``url`` with about ``captures`` captures; returns the counts."""
    Store(url).upgrade().close()
    engine = create_engine(url)
    n_articles = max(1, captures // per_article)
    articles = make_articles(n_articles, seed=7)
    rng = random.Random(7)
    digest = bytes(32)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sites (id, name, parser, health, created_at) VALUES (1, 'bench', 'charter97', 'ok', :t)"),
            {"t": T0},
        )
        conn.execute(
            text(
                "INSERT INTO runs (id, site_id, worker, started_at, status, stats, software) VALUES "
                "(1, 1, 'bench:1', :t, 'finished', '{}', 'bench')"
            ),
            {"t": T0},
        )
    version_rows, article_rows, event_rows, capture_rows = [], [], [], []
    vid = eid = cid = 0
    counts = {"articles": 0, "versions": 0, "events": 0, "captures": 0}

    def flush(force: bool = False) -> None:
        if not force and len(capture_rows) < BATCH:
            return
        with engine.begin() as conn:
            if article_rows:
                conn.execute(
                    text(
                        "INSERT INTO articles (id, site_id, url, first_seen_at, status, current_version_id, "
                        "pending_count, gone_count, detected_through) VALUES "
                        "(:id, 1, :url, :t, :status, :cur, 0, 0, 0)"
                    ),
                    article_rows,
                )
            if version_rows:
                conn.execute(
                    text(
                        "INSERT INTO versions (id, article_id, seq, content_hash, content, parser, "
                        "parser_version, first_capture_id, first_seen_at) VALUES "
                        "(:id, :aid, :seq, :hash, :content, 'charter97', '1', :cap, :t)"
                    ),
                    version_rows,
                )
            if capture_rows:
                conn.execute(
                    text(
                        "INSERT INTO captures (id, site_id, run_id, article_id, kind, url, fetched_at, "
                        "status, outcome, meta, version_id, record_hash, ledger_hash, views) VALUES "
                        "(:id, 1, 1, :aid, 'article', :url, :t, :status, :outcome, '{}', :vid, :h, :h, "
                        ":views)"
                    ),
                    capture_rows,
                )
            if event_rows:
                conn.execute(
                    text(
                        "INSERT INTO events (id, site_id, article_id, run_id, capture_id, kind, "
                        "from_version_id, to_version_id, details, created_at) VALUES "
                        "(:id, 1, :aid, 1, :cap, :kind, :old, :new, :details, :t)"
                    ),
                    event_rows,
                )
        for name, rows in (
            ("articles", article_rows),
            ("versions", version_rows),
            ("captures", capture_rows),
            ("events", event_rows),
        ):
            counts[name] += len(rows)
            rows.clear()

    for index, article in enumerate(articles):
        aid = index + 1
        url = f"https://bench.example/{article.lang}/news/{article.id}/"
        contents = _versions(article)
        start = T0 + timedelta(minutes=index)
        deleted = index % 20 == 19
        changes_at = (0, per_article // 3, 2 * per_article // 3)
        ids = []
        for n in range(per_article):
            cid += 1
            at = start + timedelta(hours=n)
            gone = deleted and n >= per_article - 3
            if n in changes_at:
                vid += 1
                seq = changes_at.index(n) + 1
                ids.append(vid)
                c = contents[seq - 1]
                version_rows.append(
                    {
                        "id": vid,
                        "aid": aid,
                        "seq": seq,
                        "hash": bytes.fromhex(c.digest),
                        "content": json.dumps(c.to_json()),
                        "cap": cid,
                        "t": at,
                    }
                )
                eid += 1
                kind, details = (
                    ("new", {})
                    if seq == 1
                    else (
                        "edited",
                        {"changes": ["headline", "body_changed"] if seq == 2 else ["body_added", "body_removed"]},
                    )
                )
                event_rows.append(
                    {
                        "id": eid,
                        "aid": aid,
                        "cap": cid,
                        "kind": kind,
                        "old": ids[-2] if seq > 1 else None,
                        "new": vid,
                        "details": json.dumps(details),
                        "t": at,
                    }
                )
            if gone and n == per_article - 1:
                eid += 1
                event_rows.append(
                    {
                        "id": eid,
                        "aid": aid,
                        "cap": cid,
                        "kind": "deleted",
                        "old": ids[-1],
                        "new": None,
                        "details": json.dumps({"reason": "http 404"}),
                        "t": at,
                    }
                )
            capture_rows.append(
                {
                    "id": cid,
                    "aid": aid,
                    "url": url,
                    "t": at,
                    "status": 404 if gone else 200,
                    "outcome": "gone" if gone else "ok",
                    "vid": None if gone else ids[-1],
                    "h": digest,
                    "views": None if gone else article.views + n * rng.randint(1, 30),
                }
            )
        article_rows.append(
            {"id": aid, "url": url, "t": start, "status": "deleted" if deleted else "live", "cur": ids[-1]}
        )
        flush()
    flush(force=True)
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


def measure(url: str, repeat: int, n_articles: int) -> dict[str, dict[str, float]]:
    from starlette.testclient import TestClient

    from review import create_app

    store = Store(url)
    article = n_articles // 2
    pages = {
        "changes": "/",
        "changes, kind=headline": "/?kind=headline",
        "article": f"/articles/{article}",
        "diff": f"/articles/{article}/diff?from=1&to=3",
        "search": "/search?q=council",
    }
    results = {}
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        for name, path in pages.items():
            t = time.perf_counter()
            assert client.get(path).status_code == 200, path
            cold = (time.perf_counter() - t) * 1000
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            results[name] = {"cold": cold, "median": statistics.median(times), "max": max(times)}
    from evidence.verify import verify_article

    t = time.perf_counter()
    verify_article(store, article)
    results["verify (article page, first view)"] = {"cold": (time.perf_counter() - t) * 1000, "median": 0, "max": 0}
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captures", type=int, default=1_000_000)
    parser.add_argument("--per-article", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--postgres", default=os.environ.get("PALIMPSEST_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    targets = []
    tmp = tempfile.TemporaryDirectory(prefix="bench-review-")
    targets.append(("sqlite", f"sqlite:///{Path(tmp.name) / 'bench.db'}", None))
    if not args.no_postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        targets.append(("postgresql", f"{args.postgres}?options=-csearch_path%3D{schema}", schema))
    for backend, url, schema in targets:
        admin = None
        if schema:
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            t = time.perf_counter()
            counts = build(url, args.captures, args.per_article)
            built = time.perf_counter() - t
            print(f"{backend}: built {counts} in {built:.0f} s")
            for name, r in measure(url, args.repeat, counts["articles"]).items():
                print(f"  {name:<36} median {r['median']:7.1f} ms  max {r['max']:7.1f} ms  first {r['cold']:7.1f} ms")
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
