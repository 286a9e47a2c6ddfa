"""CPU per page, stage by stage, of what a crawl does with each article page (no network).

    .venv/bin/python bench/stages.py --articles 1000 --pad-kb 130 [--store URL] [--repeat 5]

Runs in one thread, in this process, on the synthetic site's pages: turning Scrapy's
response into a capture, parsing, judging, writing (split into compression + hashing
and the SQL around them) and detection at the run's end, for a first crawl and then
a recheck where only the view counters changed. ``time.process_time`` per stage,
divided by the pages: the costs a crawl pays on top of a bare Scrapy spider. With
``--repeat``, each figure is the median over that many fresh stores (a noisy machine
moves single rounds by half).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 64


class Clock:
    """CPU seconds per stage; a nested stage's time is taken out of its parent's."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []

    @contextmanager
    def stage(self, name: str):
        start = time.process_time()
        self._stack.append([name, 0.0])
        try:
            yield
        finally:
            _, inner = self._stack.pop()
            took = time.process_time() - start
            self.spent[name] += took - inner
            if self._stack:
                self._stack[-1][1] += took


def time_method(owner: type, method: str, name: str, clocks: list[Clock]):
    """Time every call of ``owner.method`` as stage ``name`` of the last clock in ``clocks``;
    returns what puts the method back."""
    original = getattr(owner, method)

    def timed(*args, **kwargs):
        with clocks[-1].stage(name):
            return original(*args, **kwargs)

    setattr(owner, method, timed)
    return lambda: setattr(owner, method, original)


def crawl_round(site, articles, parser, archive, clock: Clock, site_config) -> int:
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from changes.records import CaptureKind
    from crawler.items import CaptureItem
    from crawler.pipelines import job_of
    from crawler.reading import read_article
    from crawler.spiders.site import fetched_from_response

    run = archive.start_run("bench", parser.name)
    leased = archive.lease_due(run, limit=len(articles))
    jobs = []
    for _article_id, url in leased:
        answer = site.respond(url.removeprefix(site.base_url))
        meta = {"kind": CaptureKind.ARTICLE, "article_url": url, "started": time.monotonic()}
        response = HtmlResponse(
            url,
            status=answer.status,
            body=answer.body,
            headers={"Content-Type": "text/html; charset=utf-8"},
            request=Request(url, meta=meta),
        )
        with clock.stage("response → capture"):
            item = CaptureItem(fetched=fetched_from_response(response), article_url=url)
        with clock.stage("parse"):
            item = read_article(item, parser)
        with clock.stage("judge"):
            jobs.append(job_of(item, parser))
        if len(jobs) == BATCH:
            with clock.stage("write: SQL and the rest"):
                archive.record_many(run, jobs, schedule=site_config.schedule)
            jobs = []
    if jobs:
        with clock.stage("write: SQL and the rest"):
            archive.record_many(run, jobs, schedule=site_config.schedule)
    with clock.stage("detect (finish_run)"):
        archive.finish_run(run, policy=site_config.policy, health_policy=site_config.health)
    return len(leased)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--pad-kb", type=int, default=130)
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds on fresh stores; medians are shown")
    args = parser.parse_args()
    if args.store and args.repeat > 1:
        parser.error("--repeat needs a fresh store each round: leave out --store")

    from localsite import LocalSite, make_articles
    from palimpsest.config import from_dict

    site = LocalSite(make_articles(args.articles, seed=3), pad_kb=args.pad_kb)
    site.base_url = "http://127.0.0.1:9"
    config = from_dict(
        {
            "store": "sqlite://",
            "sites": [
                {
                    "name": "bench",
                    "parser": "charter97",
                    "start_urls": [site.base_url + "/"],
                    "recheck_min": "0s",
                    "recheck_max": "0s",
                }
            ],
        }
    ).sites[0]
    site_parser = config.build_parser()
    rounds = [_rounds(args, site, site_parser, config) for _ in range(args.repeat)]
    rows = [
        (name, pages, {k: statistics.median(r[i][2].get(k, 0.0) for r in rounds) for k in rounds[0][i][2]})
        for i, (name, pages, _) in enumerate(rounds[0])
    ]
    stages = list(dict.fromkeys(k for _, _, spent in rows for k in spent))
    print(
        f"# CPU ms per article page, {args.articles} pages of ~{args.pad_kb} KB, "
        f"store {'given' if args.store else 'sqlite'}, median of {args.repeat}"
    )
    print("| stage | " + " | ".join(r[0] for r in rows) + " |")
    print("| --- |" + " --- |" * len(rows))
    for stage in stages:
        print(
            f"| {stage} | " + " | ".join(f"{1000 * spent.get(stage, 0) / pages:.2f}" for _, pages, spent in rows) + " |"
        )
    print(
        "| **total** | "
        + " | ".join(f"**{1000 * sum(spent.values()) / pages:.2f}**" for _, pages, spent in rows)
        + " |"
    )
    recheck = rows[1][2]
    detect = recheck.get("parse", 0) + recheck.get("judge", 0) + recheck.get("detect (finish_run)", 0)
    print(
        f"\nparsing + detection per unchanged page (recheck: parse + judge + detect): "
        f"{1000 * detect / rows[1][1]:.2f} ms (target ≤ 5)"
    )


def _rounds(args, site, site_parser, config) -> list[tuple[str, int, dict[str, float]]]:
    """A first crawl and a views-only recheck on a fresh store: (round, pages, CPU s per stage)."""
    from detection import Archive
    from store.blobs import BlobStore
    from store.db import Store
    from store.writer import ArticleRef

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.store or f"sqlite:///{Path(tmp) / 'stages.db'}").upgrade()
        archive = Archive(store)
        run = archive.start_run("bench", site_parser.name)
        archive.discover(run, [ArticleRef(site_parser.canonical_url(site.base_url + a.path)) for a in site.articles()])
        rows = []
        clocks: list[Clock] = []
        restore = time_method(BlobStore, "_encode", "write: compress", clocks)
        try:
            for round_name in ("first", "recheck"):
                clock = Clock()
                clocks.append(clock)
                if round_name == "recheck":
                    for a in site.articles():
                        site.set_views(a.id, a.views + 17)
                pages = crawl_round(site, site.articles(), site_parser, archive, clock, config)
                rows.append((round_name, pages, dict(clock.spent)))
        finally:
            restore()
            store.close()
    return rows


if __name__ == "__main__":
    main()
