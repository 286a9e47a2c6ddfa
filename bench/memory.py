"""Peak resident memory of one long ``palimpsest crawl``, sampled as the run goes.

    .venv/bin/python bench/memory.py --articles 100000 [--pad-kb 130] [--postgres URL]

The synthetic site serves ``--articles`` charter97-shaped pages in its own process; the
store is prefilled with every article, all due, and one crawl fetches them all. Every
second the resident set (RSS) of the crawl's process, and of its child processes if it
has any, is read from /proc; the table shows both at each tenth of the run and their peaks. The target
(BENCHMARKS.md) is a peak under 500 MB at 100,000 pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("pipeline_bench", ROOT / "bench" / "pipeline.py")
pipeline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pipeline)  # the pipeline bench's site, store and config set-up


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pad-kb", type=int, default=130)
    parser.add_argument("--postgres", help="PostgreSQL URL: the store goes in a fresh schema there")
    args = parser.parse_args()

    from detection import Archive
    from store.db import Store
    from store.writer import ArticleRef

    site, base = pipeline.serve(args.articles, args.pad_kb)
    work = Path(tempfile.mkdtemp(prefix="palimpsest-memory-"))
    url, drop = pipeline.fresh_store(work, args.postgres)
    try:
        urls = pipeline.article_urls(base, args.articles)
        config = work / "palimpsest.toml"
        config.write_text(
            f'store = "{url}"\n[[sites]]\nname = "bench"\nparser = "charter97"\n'
            f'start_urls = ["{base}/nothing/"]\nlisting_pages = 1\nmax_articles = {args.articles}\n'
            'recheck_min = "0s"\nrecheck_max = "0s"\nconcurrency = 8\ndelay = 0.0\n'
        )
        store = Store(url).upgrade()
        archive = Archive(store)
        run = archive.start_run("bench", "charter97")
        for at in range(0, len(urls), 5000):
            archive.discover(run, [ArticleRef(u) for u in urls[at : at + 5000]])
        archive.finish_run(run, policy=pipeline._site().policy, health_policy=pipeline._site().health)
        store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALIMPSEST_")}
        cmd = [str(Path(sys.executable).with_name("palimpsest")), "--config", str(config), "crawl", "--no-notify"]
        started = time.monotonic()
        crawl = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, float, float]] = []  # (seconds, crawl MB, children MB)
        while crawl.poll() is None:
            samples.append((time.monotonic() - started, rss_mb(crawl.pid), sum(map(rss_mb, children(crawl.pid)))))
            time.sleep(1.0)
        wall = time.monotonic() - started
        if crawl.returncode != 0:
            raise SystemExit(f"the crawl failed ({crawl.returncode}): {crawl.stderr.read()[-2000:]}")
        db = work / "p.db"
        size = db.stat().st_size / 1e6 if db.exists() else None
    finally:
        site.terminate()
        drop()
    backend = "postgresql" if args.postgres else "sqlite"
    print(
        f"# one crawl of {args.articles:,} pages of ~{args.pad_kb} KB, store {backend}"
        f": {wall:.0f} s, {args.articles / wall:.0f} pages/s" + (f", store file {size:,.0f} MB" if size else "")
    )
    print("| share of the run | seconds | crawl RSS MB | children RSS MB |")
    print("| --- | --- | --- | --- |")
    for tenth in range(1, 11):
        at = min(len(samples) - 1, round(tenth * len(samples) / 10) - 1)
        t, crawl_mb, children_mb = samples[at]
        print(f"| {tenth * 10}% | {t:.0f} | {crawl_mb:.0f} | {children_mb:.0f} |")
    print(
        f"| **peak** | | **{max(s[1] for s in samples):.0f}** | **{max(s[2] for s in samples):.0f}** |"
        f"  (target: under 500 MB)"
    )


if __name__ == "__main__":
    main()
