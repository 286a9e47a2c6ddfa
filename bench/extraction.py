"""Score the generic parser's body and date extraction on the public evaluation sets.

Usage: .venv/bin/python bench/extraction.py [--data /work/shared/data] [--limit N]

Body (fundus-eval, 80 English news pages): a bag-of-tokens F1 of the joined body
against the hand-made ground truth. Tokens are lower-cased ``\\w+`` runs; precision =
overlap / predicted tokens, recall = overlap / reference tokens, overlap being the
multiset intersection. Optional ground-truth paragraphs (``[...]``) are tried in every
combination (greedily past 10 of them) and the best F1 is kept, as upstream does for
ROUGE-LSum. Scores are averaged over articles. This is close to, but not the same as,
upstream ROUGE-LSum (which rewards token order); the same metric is applied to the
published trafilatura and fundus extractions as a yardstick. Exact-paragraph F1 is
printed too.

Dates (htmldate set, 1,000 pages): the day as ``YYYY-MM-DD``, scored as upstream
(TP/FP/TN/FN, accuracy = (TP+TN)/all) and as plain share of pages right.

The data is read in place and never copied.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from crawler.page import Page
from crawler.sites import ParseError, parser_class

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\w+")
MAX_EXHAUSTIVE = 10


def tokens(paragraphs: list[str] | tuple[str, ...]) -> Counter[str]:
    return Counter(TOKEN.findall(" ".join(paragraphs).lower()))


def f1(hyp: Counter[str], ref: Counter[str]) -> tuple[float, float, float]:
    overlap = sum((hyp & ref).values())
    if not hyp and not ref:
        return 1.0, 1.0, 1.0
    p = overlap / sum(hyp.values()) if hyp else 0.0
    r = overlap / sum(ref.values()) if ref else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_f1(hyp_paragraphs: tuple[str, ...], reference: list[str]) -> tuple[float, float, float]:
    """Best (P, R, F1) over the variants of the optional ``[...]`` paragraphs."""
    hyp = tokens(hyp_paragraphs)
    required = [p for p in reference if not _optional(p)]
    optional = [p[1:-1] for p in reference if _optional(p)]
    base = tokens(required)
    if len(optional) <= MAX_EXHAUSTIVE:
        variants = (
            [base + tokens(list(combo)) for n in range(len(optional) + 1)
             for combo in itertools.combinations(optional, n)]
        )
        return max((f1(hyp, ref) for ref in variants), key=lambda s: s[2])
    # Greedy: keep an optional paragraph when most of its tokens were extracted.
    kept = [p for p in optional if _share_found(tokens([p]), hyp) >= 0.5]
    return f1(hyp, base + tokens(kept))


def _optional(paragraph: str) -> bool:
    return paragraph.startswith("[") and paragraph.endswith("]")


def _share_found(part: Counter[str], hyp: Counter[str]) -> float:
    total = sum(part.values())
    return sum((part & hyp).values()) / total if total else 1.0


def paragraph_f1(hyp: tuple[str, ...], reference: list[str]) -> float:
    ref = Counter(p[1:-1] if _optional(p) else p for p in reference)
    got = Counter(hyp)
    tp = sum((ref & got).values())
    return 2 * tp / (sum(ref.values()) + sum(got.values())) if ref or got else 1.0


def bench_bodies(root: Path, limit: int | None) -> None:
    truth = json.loads((root / "ground_truth.json").read_text("utf-8"))
    parser = parser_class("generic")()
    scores, para, times, failures = [], [], [], 0
    for name, entry in list(truth.items())[:limit]:
        body = gzip.decompress((root / "html" / name).read_bytes())
        page = Page(url=entry["url"], body=body, headers={"content-type": "text/html"})
        start = time.perf_counter()
        try:
            extracted = parser.parse_article(page).body
        except ParseError as exc:
            failures += 1
            logger.warning("%s: %s", name, exc)
            extracted = ()
        times.append(time.perf_counter() - start)
        scores.append(best_f1(extracted, entry["body"]))
        para.append(paragraph_f1(extracted, entry["body"]))
    _report("generic parser", scores)
    print(f"  exact-paragraph F1 {statistics.mean(para):.3f}; parse errors {failures}; "
          f"median {statistics.median(times) * 1000:.1f} ms/page")
    for tool in ("trafilatura", "fundus"):
        path = root / "extractions" / f"{tool}.json"
        if path.exists():
            published = json.loads(path.read_text("utf-8"))
            _report(f"published {tool} extraction (same metric)", [
                best_f1(tuple(published.get(name, {}).get("body", [])), entry["body"])
                for name, entry in list(truth.items())[:limit]
            ])


def _report(label: str, scores: list[tuple[float, float, float]]) -> None:
    p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
    print(f"{label}: token P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (n={len(scores)}, "
          f"F1 median {statistics.median(s[2] for s in scores):.3f}, "
          f"min {min(s[2] for s in scores):.3f})")


def bench_dates(root: Path, limit: int | None) -> None:
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    parser = parser_class("generic")()
    tp = fp = tn = fn = 0
    times = []
    for url, entry in list(truth.items())[:limit]:
        body = gzip.decompress((root / entry["file"]).read_bytes())
        # No content-type: the page's own <meta> or detection decides, as for a saved file.
        page = Page(url=url, body=body)
        start = time.perf_counter()
        _, raw = parser.find_published(page)
        times.append(time.perf_counter() - start)
        day = raw[:10] if raw else None
        if day is None:
            fn += 1
            tn += entry["date"] is None
        elif day == entry["date"]:
            tp += 1
        else:
            fp += 1
    n = len(times)
    print(f"dates: P {tp / (tp + fp):.3f}  R {tp / (tp + fn):.3f}  "
          f"Acc {(tp + tn) / (tp + tn + fp + fn):.3f}  F {2 * tp / (2 * tp + fp + fn):.3f}  "
          f"(upstream scoring); right {tp / n:.3f} of {n} pages; "
          f"median {statistics.median(times) * 1000:.1f} ms/page")


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
