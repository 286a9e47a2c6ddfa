"""``python -m localsite``: serve the synthetic site on 127.0.0.1 until interrupted."""

from __future__ import annotations

import contextlib
import threading

from localsite.articles import make_articles
from localsite.site import LocalSite


def main(argv: list[str] | None = None) -> None:
    """``python -m localsite [--articles N] [--pad-kb KB] [--latency S]``: serve until interrupted.

    Benchmarks run the site in its own process so that it does not share a GIL with the
    crawler it serves.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=0, help="generated articles (0: the six defaults)")
    parser.add_argument("--pad-kb", type=int, default=0, help="pad every page to about this size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every answer waits, as across the internet")
    args = parser.parse_args(argv)
    articles = make_articles(args.articles, seed=args.seed) if args.articles else None
    site = LocalSite(articles, pad_kb=args.pad_kb)
    site.latency = args.latency
    with site:
        print(site.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
