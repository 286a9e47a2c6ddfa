"""Full pipeline vs a bare Scrapy spider vs urlwatch, on the same local pages, in one run.

    .venv/bin/python bench/pipeline.py --articles 500 --pad-kb 130 --repeat 3

The local site runs in its own process (so it does not share a GIL with the crawler).
Each contender fetches the same article pages:

- bare: a Scrapy spider that fetches the URLs and discards them (the ceiling);
- palimpsest first: `palimpsest crawl` on a store that knows the URLs but has no content
  (fetch, parse, store raw + version, detect);
- palimpsest recheck: the same again, every page unchanged but for its clock and ads;
- urlwatch first/recheck, when installed (`pip install urlwatch`), with the filter a user
  would set (`css:article.article`).

Reports medians over --repeat rounds and the ratios the brief sets targets for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BARE_SPIDER = '''
import json, time
import scrapy
class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                       "LOG_LEVEL": "WARNING", "RETRY_ENABLED": False, "COOKIES_ENABLED": False,
                       "TELNETCONSOLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True}
    async def start(self):
        self.t0 = time.perf_counter()
        for url in json.load(open(self.urls_file)):
            yield scrapy.Request(url, dont_filter=True)
    def parse(self, response):
        return None
    def closed(self, reason):
        open(self.out_file, "w").write(str(time.perf_counter() - self.t0))
'''


def serve(articles: int, pad_kb: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([PY, "-m", "localsite", "--articles", str(articles),
                             "--pad-kb", str(pad_kb)], stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def article_urls(base: str, articles: int) -> list[str]:
    from localsite import make_articles

    return [base + a.path for a in make_articles(articles)]


def timed(cmd: list[str], **kw: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def bare(urls_file: Path, work: Path) -> float:
    """Seconds from the spider's start to its close, as the spider itself measures them."""
    spider, out = work / "bare_spider.py", work / "bare.txt"
    spider.write_text(BARE_SPIDER)
    subprocess.run([PY, "-m", "scrapy", "runspider", str(spider), "-a", f"urls_file={urls_file}",
                    "-a", f"out_file={out}"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    return float(out.read_text())


def palimpsest_rounds(urls: list[str], work: Path) -> tuple[float, float]:
    """Seconds for a first crawl and an unchanged recheck, from the runs' own clocks."""
    from store.db import Store
    from store.models import Run
    from store.writer import Archive, ArticleRef

    db = work / "p.db"
    db.unlink(missing_ok=True)
    config = work / "palimpsest.toml"
    config.write_text(
        f'store = "sqlite:///{db}"\n[[sites]]\nname = "bench"\nparser = "charter97"\n'
        f'start_urls = ["{urls[0].split("/en/")[0]}/nothing/"]\nlisting_pages = 1\n'
        f'max_articles = {len(urls)}\nrecheck_min = "0s"\nrecheck_max = "0s"\nconcurrency = 8\n'
        'delay = 0.0\n')  # against a bare spider: no pacing
    store = Store(f"sqlite:///{db}").upgrade()
    archive = Archive(store)
    run = archive.start_run("bench", "charter97")
    archive.discover(run, [ArticleRef(u) for u in urls])
    store.close()
    cmd = [PY, "-m", "palimpsest", "--config", str(config), "crawl", "--no-notify"]
    times = []
    for _ in range(2):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
        store = Store(f"sqlite:///{db}").upgrade()
        with store.reader() as s:
            last = s.query(Run).order_by(Run.id.desc()).first()
            times.append((last.finished_at - last.started_at).total_seconds())
        store.close()
    return times[0], times[1]


def urlwatch_rounds(urls: list[str], work: Path) -> tuple[float, float] | None:
    exe = shutil.which("urlwatch") or str(Path(PY).with_name("urlwatch"))
    if not Path(exe).exists():
        return None
    jobs = work / "urls.yaml"
    jobs.write_text("\n---\n".join(f"url: {u}\nfilter:\n  - css: article.article" for u in urls))
    cfg, cache = work / "urlwatch.yaml", work / "cache.db"
    cache.unlink(missing_ok=True)
    cfg.unlink(missing_ok=True)
    subprocess.run([exe, "--config", str(cfg), "--urls", str(jobs), "--cache", str(cache), "--edit-config"],
                   env={**os.environ, "EDITOR": "true", "VISUAL": "true"}, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    cmd = [exe, "--config", str(cfg), "--urls", str(jobs), "--cache", str(cache)]
    return timed(cmd, stderr=subprocess.DEVNULL), timed(cmd, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--pad-kb", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    proc, base = serve(args.articles, args.pad_kb)
    results: dict[str, list[float]] = {k: [] for k in
                                       ("bare", "first", "recheck", "urlwatch_first", "urlwatch_recheck")}
    try:
        urls = article_urls(base, args.articles)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            urls_file = work / "urls.json"
            urls_file.write_text(json.dumps(urls))
            for _ in range(args.repeat):
                results["bare"].append(bare(urls_file, work))
                first, recheck = palimpsest_rounds(urls, work)
                results["first"].append(first)
                results["recheck"].append(recheck)
                watched = urlwatch_rounds(urls, work)
                if watched:
                    results["urlwatch_first"].append(watched[0])
                    results["urlwatch_recheck"].append(watched[1])
    finally:
        proc.terminate()
        proc.wait()
    rate = {k: args.articles / statistics.median(v) for k, v in results.items() if v}
    print(f"# pipeline benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"{args.articles} pages of ~{args.pad_kb} KB, median of {args.repeat}")
    print("| contender | pages/s (median) | runs (s) |\n| --- | --- | --- |")
    for key, values in results.items():
        if values:
            print(f"| {key} | {rate[key]:.0f} | {', '.join(f'{v:.2f}' for v in values)} |")
    print(f"\nfirst crawl / bare: {rate['first'] / rate['bare']:.2f} (target ≥ 0.80)")
    print(f"recheck / bare: {rate['recheck'] / rate['bare']:.2f}")
    if "urlwatch_first" in rate:
        print(f"first / urlwatch first: {rate['first'] / rate['urlwatch_first']:.2f} (target ≥ 1.25)")
        print(f"recheck / urlwatch recheck: {rate['recheck'] / rate['urlwatch_recheck']:.2f} (target ≥ 1.25)")
    print("\nbare and palimpsest are timed inside the crawl (start to close; palimpsest includes "
          "detection); urlwatch is timed as a whole command, start-up included.")


if __name__ == "__main__":
    main()
