"""Throughput of 1, 2 and 4 ``palimpsest crawl`` workers sharing one PostgreSQL store.

Every capture takes the store-wide ledger lock (a PostgreSQL advisory lock) from its
ledger read to its commit, so the workers' writes are serialised there. This shows how
much that costs: pages per second of one round of N due articles, done by k workers.

    .venv/bin/python bench/workers.py [--articles 600] [--repeat 3] [--latency 0.25]

The local site runs in its own process; each round starts on a fresh schema with every
article known and due (no listing to read), the workers unpaced (delay 0). With
``--latency`` every answer waits that long, as a real site's does across the internet:
a worker then waits on the network, not on its CPU, which is where more workers pay.
The CPU column is the workers' user + system time per page (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).parents[1]
PY = sys.executable
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def start_site(n: int, latency: float) -> tuple[subprocess.Popen, str]:
    command = [PY, "-m", "localsite", "--articles", str(n), "--latency", str(latency)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def one_round(base: str, n: int, workers: int, work: Path) -> tuple[float, float]:
    """Seconds from the first worker's start to the last one's exit, for n articles, and
    the workers' CPU seconds."""
    from localsite import make_articles
    from store.db import Store
    from store.models import Capture
    from store.writer import Archive, ArticleRef

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    try:
        store = Store(url).upgrade()
        archive = Archive(store)
        run = archive.start_run("bench", "charter97")
        archive.discover(run, [ArticleRef(base + a.path) for a in make_articles(n)])
        config = work / f"bench-{workers}.toml"
        config.write_text(
            f'store = "{url}"\n[[sites]]\nname = "bench"\nparser = "charter97"\n'
            f'start_urls = ["{base}/nothing/"]\nlisting_pages = 1\nmax_articles = {n}\n'
            "concurrency = 8\ndelay = 0.0\nlease_batch = 40\n"
        )
        cpu_before = _children_cpu()
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [PY, "-m", "palimpsest", "--config", str(config), "crawl", "--no-notify"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=work,
            )
            for _ in range(workers)
        ]
        codes = [p.wait(timeout=600) for p in procs]
        elapsed = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
        with store.reader() as s:
            captured = s.scalar(select(func.count()).select_from(Capture).where(Capture.kind == "article"))
        store.close()
        if codes != [0] * workers or captured != n:
            raise RuntimeError(f"{workers} workers: exit {codes}, {captured} of {n} captured")
        return elapsed, cpu
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every answer of the site waits")
    args = parser.parse_args()
    work = Path("/tmp/palimpsest-bench-workers")
    work.mkdir(exist_ok=True)
    site, base = start_site(args.articles, args.latency)
    try:
        times: dict[int, list[float]] = {k: [] for k in (1, 2, 4)}
        cpu: dict[int, list[float]] = {k: [] for k in times}
        for _ in range(args.repeat):  # interleaved, so that drift in the machine's load hits all alike
            for k in times:
                elapsed, spent = one_round(base, args.articles, k, work)
                times[k].append(elapsed)
                cpu[k].append(spent)
    finally:
        site.terminate()
        site.wait()
    one = statistics.median(times[1])
    print(
        f"{args.articles} due articles, one round, PostgreSQL store, site latency {args.latency:g} s; "
        f"median of {args.repeat}"
    )
    print("| workers | round (s) | pages/s | vs 1 worker | CPU ms/page | runs (s) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k, runs in times.items():
        median = statistics.median(runs)
        per_page = 1000 * statistics.median(cpu[k]) / args.articles
        print(
            f"| {k} | {median:.1f} | {args.articles / median:.1f} | {one / median:.2f} | {per_page:.1f} "
            f"| {', '.join(f'{t:.1f}' for t in runs)} |"
        )


if __name__ == "__main__":
    main()
