"""Extractors side by side: body ROUGE-LSum on fundus-eval, dates on the htmldate set, ms/page.

Usage: .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/extraction.py [--limit N]

Body (fundus-eval, 80 English news pages, read in place, never copied): ROUGE-LSum F1 with
the ``rouge_score`` package, no stemmer, reference and hypothesis paragraphs joined by
newlines, best over the optional ``[...]`` paragraphs (every subset up to 6 of them, else
with all and without all), averaged over pages. Upstream also splits paragraphs into
sentences with nltk's punkt data, which cannot be fetched offline; the yardstick line
scores the published trafilatura extraction with this metric (0.936 here, 93.62
published). Extractors, each timed on the same pages in one run:
  - ``trafilatura``: ``trafilatura.extract`` with its defaults, what a user would pick;
  - ``generic``: our parser (structured data, furniture dropped, trafilatura for the body).
rs-trafilatura is not measured: PyPI has only its source, whose build needs crates.io.

Dates (htmldate set, 1,000 mostly non-news pages: the "other kinds" of pages): the day as
``YYYY-MM-DD``, scored as upstream (accuracy = (TP+TN)/all), for the generic parser and
for htmldate alone.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import trafilatura
from htmldate import find_date

from crawler.page import Page
from crawler.sites import ParseError, parser_class

logger = logging.getLogger(__name__)

MAX_EXHAUSTIVE = 6


def rouge_lsum(hypothesis: list[str] | tuple[str, ...], reference: list[str]) -> float:
    """Best ROUGE-LSum F1 of ``hypothesis`` over the variants of the optional paragraphs."""
    from rouge_score import rouge_scorer

    scorer = rouge_lsum.scorer = getattr(rouge_lsum, "scorer", None) or rouge_scorer.RougeScorer(
        ["rougeLsum"], use_stemmer=False, split_summaries=False)
    optional = [i for i, p in enumerate(reference) if p.startswith("[") and p.endswith("]")]
    if len(optional) <= MAX_EXHAUSTIVE:
        variants = [set(c) for n in range(len(optional) + 1) for c in itertools.combinations(optional, n)]
    else:
        variants = [set(), set(optional)]
    hyp = "\n".join(hypothesis)
    best = 0.0
    for kept in variants:
        ref = "\n".join(p[1:-1] if i in kept else p for i, p in enumerate(reference)
                        if i not in optional or i in kept)
        best = max(best, scorer.score(ref, hyp)["rougeLsum"].fmeasure)
    return best


def plain_trafilatura(page: Page) -> tuple[str, ...]:
    text = trafilatura.extract(page.text, url=page.url) or ""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def generic_body(parser: object) -> object:
    def extract(page: Page) -> tuple[str, ...]:
        try:
            return parser.parse_article(page).body
        except ParseError:
            return ()
    return extract


def distribution(scores: list[float]) -> str:
    q = statistics.quantiles(scores, n=10)
    return (f"min {min(scores):.3f}  p10 {q[0]:.3f}  p25 {statistics.quantiles(scores, n=4)[0]:.3f}  "
            f"median {statistics.median(scores):.3f}  pages < 0.9: {sum(s < 0.9 for s in scores)}")


def bench_bodies(root: Path, limit: int | None) -> None:
    truth = list(json.loads((root / "ground_truth.json").read_text("utf-8")).items())[:limit]
    pages = [Page(url=e["url"], body=gzip.decompress((root / "html" / name).read_bytes()),
                  headers={"content-type": "text/html"}) for name, e in truth]
    extractors = {"trafilatura": plain_trafilatura, "generic": generic_body(parser_class("generic")())}
    print(f"body, fundus-eval ({len(pages)} pages): ROUGE-LSum F1")
    per_page = {}
    for label, extract in extractors.items():
        times, scores = [], []
        for page, (_, entry) in zip(pages, truth, strict=True):
            start = time.perf_counter()
            body = extract(Page(url=page.url, body=page.body, headers=page.headers))  # a fresh, uncached page
            times.append(time.perf_counter() - start)
            scores.append(rouge_lsum(body, entry["body"]))
        per_page[label] = scores
        print(f"  {label:<12} F1 {statistics.mean(scores):.4f}  median {statistics.median(times) * 1000:6.1f} ms/page"
              f"  | {distribution(scores)}")
    published = json.loads((root / "extractions" / "trafilatura.json").read_text("utf-8"))
    yardstick = [rouge_lsum(published.get(name, {}).get("body", []), e["body"]) for name, e in truth]
    print(f"  yardstick: published trafilatura extraction {statistics.mean(yardstick):.4f} (published 0.9362)")
    worse = sum(g < t - 0.01 for g, t in zip(per_page["generic"], per_page["trafilatura"], strict=True))
    better = sum(g > t + 0.01 for g, t in zip(per_page["generic"], per_page["trafilatura"], strict=True))
    print(f"  generic vs trafilatura per page: better on {better}, worse on {worse} (by > 0.01)")


def bench_dates(root: Path, limit: int | None) -> None:
    truth = list(json.loads((root / "ground-truth.json").read_text("utf-8")).items())[:limit]
    parser = parser_class("generic")()

    def ours(page: Page) -> str | None:
        return (parser.find_published(page)[1] or "")[:10] or None

    def alone(page: Page) -> str | None:
        try:
            return find_date(page.text, url=page.url, original_date=True, extensive_search=True)
        except Exception:
            return None

    print(f"dates, htmldate set ({len(truth)} pages): accuracy as upstream")
    for label, find in (("htmldate", alone), ("generic", ours)):
        tp = fp = tn = fn = 0
        times = []
        for url, entry in truth:
            page = Page(url=url, body=gzip.decompress((root / entry["file"]).read_bytes()))
            start = time.perf_counter()
            day = find(page)
            times.append(time.perf_counter() - start)
            if day is None:
                fn += 1
                tn += entry["date"] is None
            elif day == entry["date"]:
                tp += 1
            else:
                fp += 1
        print(f"  {label:<12} Acc {(tp + tn) / (tp + tn + fp + fn):.3f}  P {tp / max(1, tp + fp):.3f}  "
              f"R {tp / max(1, tp + fn):.3f}  median {statistics.median(times) * 1000:.1f} ms/page")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    opts = args.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    bench_bodies(opts.data / "fundus-eval", opts.limit)
    bench_dates(opts.data / "dates", opts.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
