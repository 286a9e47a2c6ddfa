"""Extractors side by side: body ROUGE-LSum on fundus-eval, dates on the htmldate set, ms/page.

Usage: .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/extraction.py [--limit N]
       [--versions 4,5] [--per-page FILE] [--skip-dates]

Body (fundus-eval, 80 English news pages, read in place, never copied): ROUGE-LSum F1 with
the ``rouge_score`` package, no stemmer, reference and hypothesis paragraphs joined by
newlines, best over the optional ``[...]`` paragraphs (every subset up to 6 of them, else
with all and without all), averaged over pages. Upstream also splits paragraphs into
sentences with nltk's punkt data, which cannot be fetched offline; the yardstick line
scores the published trafilatura extraction with this metric (0.936 here, 93.62
published). ``--check-metric`` recomputes every page with rouge_score's own scorer.
Extractors, each timed on the same pages in one run:
  - ``trafilatura``: ``trafilatura.extract`` with its defaults, what a user would pick;
  - ``generic/N``: our parser (structured data, furniture dropped, trafilatura for the
    body), every registered version side by side unless ``--versions`` names some.
rs-trafilatura is not measured: PyPI has only its source (a maturin build that needs
crates.io), and its binding trafipy has wheels only for Python >= 3.12 (this is 3.11).

Pages of other kinds (the htmldate set, 1,000 mostly non-news pages, no body truth): how
much of trafilatura's text the generic parser keeps, and dates as ``YYYY-MM-DD`` scored
as upstream (accuracy = (TP+TN)/all), for the generic parser and for htmldate alone.
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
from collections import Counter
from pathlib import Path

import trafilatura
from htmldate import find_date

from crawler.page import Page
from crawler.sites import ParseError, parser_class, versions_of

logger = logging.getLogger(__name__)

MAX_EXHAUSTIVE = 6


def rouge_lsum(hypothesis: list[str] | tuple[str, ...], reference: list[str]) -> float:
    """Best ROUGE-LSum F1 of ``hypothesis`` over the variants of the optional paragraphs.

    The same number as ``RougeScorer(["rougeLsum"], split_summaries=False).score`` on
    newline-joined paragraphs (``--check-metric`` compares both on every page), but each
    reference line's union LCS with the hypothesis is computed once for all variants:
    only the clipped hit count depends on which optional paragraphs are kept.
    """
    from rouge_score import rouge_scorer, tokenizers

    tokenizer = rouge_lsum.tokenizer = getattr(rouge_lsum, "tokenizer", None) or tokenizers.DefaultTokenizer(
        use_stemmer=False
    )
    can = [tokenizer.tokenize(s) for s in "\n".join(hypothesis).split("\n") if s]
    optional = [i for i, p in enumerate(reference) if p.startswith("[") and p.endswith("]")]
    if len(optional) <= MAX_EXHAUSTIVE:
        variants = [set(c) for n in range(len(optional) + 1) for c in itertools.combinations(optional, n)]
    else:
        variants = [set(), set(optional)]
    lines: dict[int, list[tuple[list[str], list[str]]]] = {}  # paragraph → (tokens, union LCS) per line
    for i, p in enumerate(reference):
        text = p[1:-1] if i in optional else p
        tokens = [tokenizer.tokenize(s) for s in text.split("\n") if s]
        lines[i] = [(t, rouge_scorer._union_lcs(t, can) if can else []) for t in tokens]
    best = 0.0
    for kept in variants:
        ref = [line for i in range(len(reference)) if i not in optional or i in kept for line in lines[i]]
        best = max(best, _summary_level_f1(ref, can))
    return best


def _summary_level_f1(ref: list[tuple[list[str], list[str]]], can: list[list[str]]) -> float:
    """``rouge_scorer._summary_level_lcs`` with the union LCS of each reference line given."""
    m, n = sum(len(t) for t, _ in ref), sum(map(len, can))
    if not ref or not can or not m or not n:
        return 0.0
    counts_r, counts_c = Counter(), Counter()
    for tokens, _ in ref:
        counts_r.update(tokens)
    for tokens in can:
        counts_c.update(tokens)
    hits = 0
    for _, lcs in ref:
        for t in lcs:
            if counts_c[t] > 0 and counts_r[t] > 0:
                hits += 1
                counts_c[t] -= 1
                counts_r[t] -= 1
    precision, recall = hits / n, hits / m
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def rouge_lsum_reference(hypothesis: list[str] | tuple[str, ...], reference: list[str]) -> float:
    """The same score through ``rouge_score``'s public scorer, variant by variant (slow)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False, split_summaries=False)
    optional = [i for i, p in enumerate(reference) if p.startswith("[") and p.endswith("]")]
    if len(optional) <= MAX_EXHAUSTIVE:
        variants = [set(c) for n in range(len(optional) + 1) for c in itertools.combinations(optional, n)]
    else:
        variants = [set(), set(optional)]
    hyp = "\n".join(hypothesis)
    return max(
        scorer.score(
            "\n".join(p[1:-1] if i in kept else p for i, p in enumerate(reference) if i not in optional or i in kept),
            hyp,
        )["rougeLsum"].fmeasure
        for kept in variants
    )


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
    return (
        f"min {min(scores):.3f}  p10 {q[0]:.3f}  p25 {statistics.quantiles(scores, n=4)[0]:.3f}  "
        f"median {statistics.median(scores):.3f}  pages < 0.9: {sum(s < 0.9 for s in scores)}"
    )


def generic_versions(wanted: list[str] | None) -> dict[str, object]:
    """``"generic/N"`` → an instance of that version, every registered one unless ``wanted``."""
    versions = wanted or [cls.version for cls in versions_of("generic")]
    return {f"generic/{v}": parser_class("generic", version=v)() for v in versions}


def bench_bodies(
    root: Path,
    limit: int | None,
    parsers: dict[str, object],
    *,
    check: bool = False,
    per_page: dict[str, dict[str, float]] | None = None,
) -> None:
    truth = list(json.loads((root / "ground_truth.json").read_text("utf-8")).items())[:limit]
    pages = [
        Page(
            url=e["url"],
            body=gzip.decompress((root / "html" / name).read_bytes()),
            headers={"content-type": "text/html"},
        )
        for name, e in truth
    ]
    extractors = {"trafilatura": plain_trafilatura} | {label: generic_body(p) for label, p in parsers.items()}
    newest = list(parsers)[-1]
    print(f"body, fundus-eval ({len(pages)} pages): ROUGE-LSum F1")
    scored: dict[str, list[float]] = {}
    for label, extract in extractors.items():
        times, scores = [], []
        for page, (name, entry) in zip(pages, truth, strict=True):
            start = time.perf_counter()
            body = extract(Page(url=page.url, body=page.body, headers=page.headers))  # a fresh, uncached page
            times.append(time.perf_counter() - start)
            scores.append(rouge_lsum(body, entry["body"]))
            if check and abs(scores[-1] - (slow := rouge_lsum_reference(body, entry["body"]))) > 1e-12:
                raise SystemExit(f"metric differs on {name}: {scores[-1]} != {slow}")
        scored[label] = scores
        print(
            f"  {label:<12} F1 {statistics.mean(scores):.4f}  median {statistics.median(times) * 1000:6.1f} ms/page"
            f"  | {distribution(scores)}"
        )
    published = json.loads((root / "extractions" / "trafilatura.json").read_text("utf-8"))
    yardstick = [rouge_lsum(published.get(name, {}).get("body", []), e["body"]) for name, e in truth]
    print(f"  yardstick: published trafilatura extraction {statistics.mean(yardstick):.4f} (published 0.9362)")
    for label in parsers:
        others = ["trafilatura"] + [other for other in parsers if other != label and label == newest]
        for other in others:
            pairs = list(zip(scored[label], scored[other], strict=True))
            better, worse = sum(g > t + 0.01 for g, t in pairs), sum(g < t - 0.01 for g, t in pairs)
            print(f"  {label} vs {other} per page: better on {better}, worse on {worse} (by > 0.01)")
    lowest = sorted(zip(scored[newest], scored["trafilatura"], (n for n, _ in truth), strict=True))[:8]
    print(f"  lowest {newest} pages: " + ", ".join(f"{n} {g:.3f} (traf. {t:.3f})" for g, t, n in lowest))
    if per_page is not None:
        for i, (name, _) in enumerate(truth):
            per_page["fundus-eval/" + name] = {k: v[i] for k, v in scored.items()}


def bench_other_bodies(
    root: Path, limit: int | None, parsers: dict[str, object], per_page: dict[str, dict[str, float]] | None = None
) -> None:
    """On the htmldate set's pages (no body truth): how much of trafilatura's own text the
    generic parser keeps, and how often it finds nothing where trafilatura finds text.
    Agreement, not quality: it catches furniture dropping that eats real content."""
    truth = list(json.loads((root / "ground-truth.json").read_text("utf-8")).items())[:limit]
    kept: dict[str, list[float]] = {label: [] for label in parsers}
    extra: dict[str, list[float]] = {label: [] for label in parsers}
    lost_pages, both_empty = Counter(), Counter()
    names: list[str] = []
    for url, entry in truth:
        page = Page(url=url, body=gzip.decompress((root / entry["file"]).read_bytes()))
        reference = Counter(" ".join(plain_trafilatura(Page(url=url, body=page.body))).split())
        if reference:
            names.append(entry["file"])
        for label, parser in parsers.items():
            ours = Counter(" ".join(generic_body(parser)(Page(url=url, body=page.body))).split())
            if not reference:
                both_empty[label] += not ours
                continue
            lost_pages[label] += not ours
            common = sum((reference & ours).values())
            kept[label].append(common / sum(reference.values()))
            extra[label].append((sum(ours.values()) - common) / sum(reference.values()))
    print(f"body, htmldate set ({len(truth)} pages, {len(names)} where trafilatura finds text): vs trafilatura")
    for label in parsers:
        print(f"  {label}: share of trafilatura's words kept: mean {statistics.mean(kept[label]):.4f}")
        print(f"      | {distribution(kept[label])}")
        print(
            f"      words beyond trafilatura's (share of its words): mean {statistics.mean(extra[label]):.4f}  "
            f"median {statistics.median(extra[label]):.4f}"
        )
        print(f"      empty where trafilatura has text: {lost_pages[label]}; both empty: {both_empty[label]}")
    labels = list(parsers)
    for older, newer in itertools.pairwise(labels):
        pairs = list(zip(kept[newer], kept[older], strict=True))
        print(
            f"  {newer} vs {older} per page: keeps more on {sum(n > o + 0.01 for n, o in pairs)}, "
            f"less on {sum(n < o - 0.01 for n, o in pairs)} (by > 0.01); "
            f"under 0.9 only with {newer}: {sum(n < 0.9 <= o for n, o in pairs)}, "
            f"only with {older}: {sum(o < 0.9 <= n for n, o in pairs)}"
        )
    if per_page is not None:
        for i, name in enumerate(names):
            per_page["dates/" + name] = {label: kept[label][i] for label in parsers}


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
        print(
            f"  {label:<12} Acc {(tp + tn) / (tp + tn + fp + fn):.3f}  P {tp / max(1, tp + fp):.3f}  "
            f"R {tp / max(1, tp + fn):.3f}  median {statistics.median(times) * 1000:.1f} ms/page"
        )


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    args.add_argument(
        "--check-metric",
        action="store_true",
        help="also score every page with rouge_score's own scorer and stop on a difference (slow)",
    )
    args.add_argument(
        "--per-page",
        type=Path,
        default=None,
        help="write each page's scores to this JSON file: fundus-eval/<file> → ROUGE-LSum per extractor, "
        "dates/<file> → share of trafilatura's words kept per generic version",
    )
    args.add_argument(
        "--versions", default=None, help="generic parser versions to run side by side, e.g. 4,5 (default: all)"
    )
    args.add_argument("--skip-dates", action="store_true", help="leave out the date accuracy (htmldate set)")
    opts = args.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when the output goes to a file
    parsers = generic_versions(opts.versions.split(",") if opts.versions else None)
    per_page: dict[str, dict[str, float]] | None = {} if opts.per_page else None
    bench_bodies(opts.data / "fundus-eval", opts.limit, parsers, check=opts.check_metric, per_page=per_page)
    bench_other_bodies(opts.data / "dates", opts.limit, parsers, per_page)
    if opts.per_page is not None:
        opts.per_page.write_text(json.dumps(per_page, indent=1))
    if opts.skip_dates:
        return 0
    bench_dates(opts.data / "dates", opts.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
