"""Full pipeline vs a bare Scrapy spider vs urlwatch, on the same local pages, whole commands timed.

    .venv/bin/python bench/pipeline.py --articles 300 1000 3000 --repeat 3 [--postgres URL] [--plot PNG] [--in-process]

The local site runs in its own process (so it does not share a GIL with the crawler).
Each contender fetches the same article pages, and each is timed as a whole command,
start-up and shutdown included, as a user's cron would see it:

- bare: ``scrapy runspider`` of a spider that fetches the URLs and discards them (the ceiling);
- palimpsest first: ``palimpsest crawl`` on a store that knows the URLs but has no content
  (fetch, parse, store raw + version, detect, sign the evidence head);
- palimpsest recheck: the same again after the site bumped every view counter (its clock
  and ads change on every request anyway);
- with --in-process, palimpsest first/recheck again with its page reader off
  (every page read on the crawl's writer thread, as a run shorter than 32 pages is);
- urlwatch first/recheck, when installed (``pip install urlwatch``), with the filter a
  user would set: the article minus its view counter
  (``css:article.article`` then ``remove-elements-by-css:.news__views``).

Every command also reports its CPU time (user + system) and peak RSS, from
``getrusage(RUSAGE_CHILDREN)`` of a one-command launcher. Reports medians over
--repeat rounds, and the ratios the brief sets targets for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
BARE_SPIDER = """
import json
import scrapy
class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                       "LOG_LEVEL": "WARNING", "RETRY_ENABLED": False, "COOKIES_ENABLED": False,
                       "TELNETCONSOLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True}
    async def start(self):
        for url in json.load(open(self.urls_file)):
            yield scrapy.Request(url, dont_filter=True)
    def parse(self, response):
        return None
"""
LAUNCH = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": use.ru_utime + use.ru_stime, "rss_mb": use.ru_maxrss / 1024}))
"""
SERVE = """
import signal, sys, threading
from localsite import LocalSite, make_articles
site = LocalSite(make_articles(int(sys.argv[1])), pad_kb=int(sys.argv[2])).start()
def bump(*_):  # a recheck where only the view counters changed
    for a in site.articles():
        site.set_views(a.id, a.views + 17)
    print("bumped", flush=True)
signal.signal(signal.SIGUSR1, bump)
print(site.base_url, flush=True)
while True:
    signal.pause()
"""
CONTENDERS = (
    *("bare", "first", "recheck", "urlwatch_first", "urlwatch_recheck"),
    *("first_in_process", "recheck_in_process"),  # --in-process: the page reader off
)


def serve(articles: int, pad_kb: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([PY, "-c", SERVE, str(articles), str(pad_kb)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def bump_views(site: subprocess.Popen) -> None:
    site.send_signal(signal.SIGUSR1)
    assert site.stdout.readline().strip() == "bumped"


def article_urls(base: str, articles: int) -> list[str]:
    from localsite import make_articles

    return [base + a.path for a in make_articles(articles)]


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict:
    """Wall seconds, CPU seconds and peak RSS of one whole command."""
    out = subprocess.run([PY, "-c", LAUNCH, *cmd], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{cmd[:3]} failed with exit status {result['code']}")
    return result


def bare(urls_file: Path, work: Path) -> dict:
    spider = work / "bare_spider.py"
    spider.write_text(BARE_SPIDER)
    return measure([PY, "-m", "scrapy", "runspider", str(spider), "-a", f"urls_file={urls_file}"], work)


def fresh_store(work: Path, postgres: str | None) -> tuple[str, callable]:
    """A store URL for one round and a function that drops it."""
    if not postgres:
        db = work / "p.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}", lambda: None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{postgres}?options=-csearch_path%3D{schema}", drop


IN_PROCESS = (
    "import sys, crawler.settings as s; s.PALIMPSEST_READER = False; from palimpsest.cli import main; "
    "sys.argv[0] = 'palimpsest'; sys.exit(main())"
)
"""``palimpsest`` with its page reader off: every page read on the writer's thread."""


def palimpsest_rounds(
    urls: list[str], work: Path, postgres: str | None, site: subprocess.Popen, *, reader: bool = True
) -> tuple[dict, dict]:
    """A first crawl and a recheck in which only the view counters changed."""
    from detection import Archive
    from store.db import Store
    from store.writer import ArticleRef

    url, drop = fresh_store(work, postgres)
    try:
        config = work / "palimpsest.toml"
        config.write_text(
            f'store = "{url}"\n[[sites]]\nname = "bench"\nparser = "charter97"\n'
            f'start_urls = ["{urls[0].split("/en/")[0]}/nothing/"]\nlisting_pages = 1\n'
            f'max_articles = {len(urls)}\nrecheck_min = "0s"\nrecheck_max = "0s"\nconcurrency = 8\n'
            "delay = 0.0\n"
        )  # against a bare spider: no pacing
        store = Store(url).upgrade()
        archive = Archive(store)
        run = archive.start_run("bench", "charter97")
        archive.discover(run, [ArticleRef(u) for u in urls])
        archive.finish_run(run, policy=_site().policy, health_policy=_site().health)
        store.close()
        command = [str(Path(PY).with_name("palimpsest"))] if reader else [PY, "-c", IN_PROCESS]
        cmd = [*command, "--config", str(config), "crawl", "--no-notify"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALIMPSEST_")}
        first = measure(cmd, work, env)
        bump_views(site)
        recheck = measure(cmd, work, env)
        return first, recheck
    finally:
        drop()


def _site():
    from palimpsest.config import from_dict

    return from_dict(
        {"store": "sqlite://", "sites": [{"name": "b", "parser": "charter97", "start_urls": ["http://127.0.0.1/"]}]}
    ).sites[0]


def urlwatch_rounds(urls: list[str], work: Path, site: subprocess.Popen) -> tuple[dict, dict] | None:
    exe = shutil.which("urlwatch") or str(Path(PY).with_name("urlwatch"))
    if not Path(exe).exists():
        return None
    jobs = work / "urls.yaml"
    jobs.write_text(
        "\n---\n".join(
            f"url: {u}\nfilter:\n  - css: article.article\n  - remove-elements-by-css: .news__views" for u in urls
        )
    )
    cfg, cache = work / "urlwatch.yaml", work / "cache.db"
    cache.unlink(missing_ok=True)
    cfg.unlink(missing_ok=True)
    subprocess.run(
        [exe, "--config", str(cfg), "--urls", str(jobs), "--cache", str(cache), "--edit-config"],
        env={**os.environ, "EDITOR": "true", "VISUAL": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    cmd = [exe, "--config", str(cfg), "--urls", str(jobs), "--cache", str(cache)]
    first = measure(cmd, work)
    bump_views(site)
    return first, measure(cmd, work)


def run_size(
    articles: int, pad_kb: int, repeat: int, postgres: str | None, *, in_process: bool = False
) -> dict[str, list[dict]]:
    proc, base = serve(articles, pad_kb)
    results: dict[str, list[dict]] = {k: [] for k in CONTENDERS}
    try:
        urls = article_urls(base, articles)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            urls_file = work / "urls.json"
            urls_file.write_text(json.dumps(urls))
            for _ in range(repeat):
                results["bare"].append(bare(urls_file, work))
                first, recheck = palimpsest_rounds(urls, work, postgres, proc)
                results["first"].append(first)
                results["recheck"].append(recheck)
                if in_process:
                    first, recheck = palimpsest_rounds(urls, work, postgres, proc, reader=False)
                    results["first_in_process"].append(first)
                    results["recheck_in_process"].append(recheck)
                watched = urlwatch_rounds(urls, work, proc)
                if watched:
                    results["urlwatch_first"].append(watched[0])
                    results["urlwatch_recheck"].append(watched[1])
    finally:
        proc.terminate()
        proc.wait()
    return results


def summary(articles: int, results: dict[str, list[dict]]) -> dict[str, dict]:
    out = {}
    for key, runs in results.items():
        if runs:
            wall = statistics.median(r["wall"] for r in runs)
            out[key] = {
                "pages_s": articles / wall,
                "wall": wall,
                "cpu_ms_page": 1000 * statistics.median(r["cpu"] for r in runs) / articles,
                "rss_mb": max(r["rss_mb"] for r in runs),
                "runs": [round(r["wall"], 2) for r in runs],
            }
    return out


def report(pad_kb: int, repeat: int, postgres: str | None, table: dict[int, dict[str, dict]]) -> None:
    print(
        f"# pipeline benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, pages of "
        f"~{pad_kb} KB, median of {repeat}, store {'postgresql' if postgres else 'sqlite'}; whole commands"
    )
    print("| pages | contender | pages/s | CPU ms/page | peak RSS MB | runs (s) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for articles, rows in table.items():
        for key, row in rows.items():
            print(
                f"| {articles} | {key} | {row['pages_s']:.1f} | {row['cpu_ms_page']:.1f} | {row['rss_mb']:.0f} | "
                f"{', '.join(map(str, row['runs']))} |"
            )
    for articles, rows in table.items():
        print(f"\n{articles} pages:")
        for key, target in (("first", 0.80), ("recheck", 0.80)):
            print(f"  {key} / bare: {rows[key]['pages_s'] / rows['bare']['pages_s']:.2f} (target ≥ {target:.2f})")
        if "urlwatch_first" in rows:
            for key in ("first", "recheck"):
                ratio = rows[key]["pages_s"] / rows[f"urlwatch_{key}"]["pages_s"]
                print(f"  {key} / urlwatch {key}: {ratio:.2f} (target ≥ 1.25)")


def plot(table: dict[int, dict[str, dict]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    sizes = list(table)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in (
        ("bare", "bare Scrapy"),
        ("urlwatch_first", "urlwatch first"),
        ("urlwatch_recheck", "urlwatch recheck"),
        ("first", "palimpsest first"),
        ("recheck", "palimpsest recheck"),
        ("first_in_process", "palimpsest first, page reader off"),
        ("recheck_in_process", "palimpsest recheck, page reader off"),
    ):
        values = [table[n][key]["pages_s"] for n in sizes if key in table[n]]
        if len(values) == len(sizes):
            ax.plot(sizes, values, marker="o", label=label, linestyle=":" if "in_process" in key else "-")
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("pages per run (~130 KB each)")
    ax.set_ylabel("pages/s, whole command (median)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[300])
    parser.add_argument("--pad-kb", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL URL: the palimpsest store goes in a fresh schema there")
    parser.add_argument("--plot", type=Path, help="write a PNG of pages/s against pages")
    parser.add_argument("--json", type=Path, help="also write the medians as JSON")
    parser.add_argument(
        "--in-process", action="store_true", help="also crawl with the page reader off (pages read in one process)"
    )
    parser.add_argument("--replot", type=Path, help="only redraw --plot from the JSON an earlier run wrote")
    args = parser.parse_args()
    title = f"2 shared cores, store {'PostgreSQL' if args.postgres else 'SQLite'}"
    if args.replot:
        plot({int(k): v for k, v in json.loads(args.replot.read_text()).items()}, args.plot, title)
        return
    table = {
        n: summary(n, run_size(n, args.pad_kb, args.repeat, args.postgres, in_process=args.in_process))
        for n in args.articles
    }
    report(args.pad_kb, args.repeat, args.postgres, table)
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in table.items()}, indent=1))
    if args.plot:
        plot(table, args.plot, title)


if __name__ == "__main__":
    main()
