"""CPU and wall time of ``finish_run`` per article on a run where nothing changed.

Usage: .venv/bin/python bench/finishing.py [--n 300] [--runs 3] [--store URL]

``--n`` synthetic articles (one headline and twenty short paragraphs each, no site
involved) are recorded through ``store.writer.Archive`` once per run; only the view
count differs between runs. Each run is then finished (health, field coverage, the
detection state machine) with ``detection.finish_run``, and its process CPU time and
wall time are divided by ``--n``. The first run also writes a ``new`` event per
article; later runs are the unchanged recheck the ≤ 5 ms per page target is about.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta

from changes import Content, HealthPolicy, Policy, classify_fetch
from changes.records import Fetched, Reading
from detection import finish_run
from store.db import Store
from store.writer import Archive, ArticleRef

T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
BODY = b"<html><body><h1>synthetic</h1></body></html>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", help="store URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.store or f"sqlite:///{tempfile.mkdtemp(prefix='bench-detection-')}/p.db"
    store = Store(url).upgrade()
    archive = Archive(store)
    urls = [f"https://example.test/news/{i}/" for i in range(args.n)]
    policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    print(f"{args.n} articles, store {store.dialect}")
    for r in range(args.runs):
        at = T0 + timedelta(days=r)
        run = archive.start_run("bench", "synthetic", now=at)
        archive.discover(run, [ArticleRef(u) for u in urls], now=at)
        for u in urls:
            verdict = classify_fetch(status=200, error=None, headers={}, body=BODY, url=u, final_url=None)
            content = Content.build(headline=f"Headline {u}", body=[f"Paragraph {i}." for i in range(20)])
            archive.record(
                run,
                Fetched(kind="article", url=u, fetched_at=at, status=200, body=BODY),
                verdict,
                article_url=u,
                reading=Reading(parser="synthetic", parser_version="1", views=r, content=content),
            )
        cpu, wall = time.process_time(), time.perf_counter()
        finish_run(store, run, policy=policy, health_policy=HealthPolicy(), now=at)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        label = "first (new events)" if r == 0 else "unchanged recheck"
        print(f"run {r} {label}: {cpu * 1000 / args.n:.2f} ms CPU, {wall * 1000 / args.n:.2f} ms wall per article")
    store.close()


if __name__ == "__main__":
    main()
