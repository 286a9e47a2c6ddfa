"""``palimpsest export``, ``verify`` and ``reparse``: the evidence commands."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import func, select

from crawler.sites import parser_class
from evidence.bundle import export_bundle, slugify
from evidence.rebuild import rebuild as rebuild_versions
from evidence.reparse import reparse
from evidence.verify import verify
from evidence.warc import EvidenceError, export_warc
from palimpsest.commands.common import Failure, finish, json_option, pass_app
from palimpsest.config import ConfigError
from palimpsest.options import Moment
from palimpsest.terminal import emit, say, say_json, to_json
from store.models import Article, Capture, Site, TreeHead

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.sites import SiteParser
    from palimpsest.app import App


@click.command()
@click.option("--article", "article_url", metavar="URL", help="Only this article's captures.")
@click.option("--site", metavar="NAME", help="Only this site's captures (with --article: the article's site).")
@click.option("--event", "event_id", type=int, metavar="ID", help="A report about this event (--out FILE.html|.pdf).")
@click.option("--since", type=Moment(), help="Captures fetched at or after this time (UTC unless stated).")
@click.option("--until", type=Moment(), help="Captures fetched before this time.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: a WARC; a signed WACZ bundle when it ends in .wacz; a printable "
    "evidence report of the article or event when it ends in .html or .pdf "
    "[default: exports/<scope>-<time>.warc.gz].",
)
@click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write an evidence bundle (WARC + JSON manifest) per article into this directory.",
)
@pass_app
def export(
    app: App,
    article_url: str | None,
    site: str | None,
    event_id: int | None,
    since: datetime | None,
    until: datetime | None,
    out: Path | None,
    bundle_dir: Path | None,
) -> None:
    """Export captures as a WARC 1.1 file, or evidence bundles per article.

    Every fetch attempt in scope becomes request, response (or revisit) and metadata
    records with SHA-256 digests; `warcio check` validates the file and pywb replays it.
    A .wacz file adds the CDXJ index, a page per version, a proof per capture and the
    checker, signed by the installation key; `wacz validate` accepts it.

    \b
    Examples:
      palimpsest export --article https://charter97.org/en/news/2025/10/7/654321/
      palimpsest export --site charter97 --since 2025-10-01 --until 2025-10-08 --out oct.warc.gz
      palimpsest export --article https://charter97.org/en/news/2025/10/7/654321/ --out 654321.wacz
      palimpsest export --event 4711 --out event-4711.pdf
      palimpsest export --article https://charter97.org/en/news/2025/10/7/654321/ --bundle evidence/
    """
    try:
        if bundle_dir is not None:
            _bundles(app.store, article_url, site, since, until, bundle_dir)
            return
        if out is None:
            scope = slugify(article_url) if article_url else site or "store"
            out = Path("exports") / f"{scope}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.warc.gz"
        if out.suffix in (".html", ".pdf") or event_id is not None:
            _report(app, out, article_url, event_id)
            return
        if out.suffix == ".wacz":
            _wacz(app, out, article_url, site, since, until)
            return
        summary = export_warc(app.store, out, article_url=article_url, site=site, since=since, until=until)
    except EvidenceError as exc:
        raise Failure(str(exc)) from exc
    records = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.records.items()))
    say(f"{summary.path}: {summary.captures} captures ({records}), {summary.size} bytes")
    say(f"sha256 {summary.sha256}")


def _report(app: App, out: Path, article_url: str | None, event_id: int | None) -> None:
    from evidence.report import ReportTarget, write_report

    if out.suffix not in (".html", ".pdf") or (article_url is None) == (event_id is None):
        raise click.UsageError("a report needs --article URL or --event ID, and --out FILE.html or FILE.pdf")
    path = write_report(app.store, app.config.evidence, ReportTarget(article_url, event_id), out)
    say(f"{path}: evidence report")


def _wacz(
    app: App, out: Path, article_url: str | None, site: str | None, since: datetime | None, until: datetime | None
) -> None:
    from evidence.log import publish_head
    from evidence.wacz import export_wacz

    if since or until:
        raise click.UsageError("a WACZ bundle holds whole histories: drop --since/--until")
    publish_head(app.store, app.config.evidence)  # so that a signed head covers every capture in it
    summary = export_wacz(app.store, out, app.config.evidence, article_url=article_url, site=site)
    say(
        f"{summary.path}: {summary.captures} captures, {summary.pages} pages, {summary.proofs} proofs, "
        f"signed by {app.config.evidence.key_path}"
    )
    say(f"sha256 {summary.sha256}")


def _bundles(
    store: Any, article_url: str | None, site: str | None, since: datetime | None, until: datetime | None, out: Path
) -> None:
    if since or until:
        raise click.UsageError("a bundle holds an article's whole history: drop --since/--until")
    if article_url:
        urls = [article_url]
    elif site:
        with store.reader() as s:
            urls = s.scalars(select(Article.url).join(Site).where(Site.name == site).order_by(Article.id)).all()
    else:
        raise click.UsageError("--bundle needs --article or --site")
    for url in urls:
        bundle = export_bundle(store, url, out, site=site)
        chain = "chain ok" if bundle.chain_ok else "CHAIN BROKEN (see manifest)"
        say(f"{bundle.manifest}: {bundle.captures} captures, {chain}")


def _parser_factory(app: App) -> Callable[[str, str], SiteParser]:
    """Parsers built as the crawler builds them: with the site's configured zone, expectations and URL rule."""
    config = app.config

    def make(site: str, name: str) -> SiteParser:
        try:
            entry = config.site(site)
        except ConfigError:  # a site no longer configured: the parser's own defaults
            entry = None
        if entry is not None and entry.parser == name:
            return entry.build_parser()
        return parser_class(name)()

    return make


@click.command("verify")
@click.option(
    "--head",
    "kept",
    metavar="FILE|HASH",
    multiple=True,
    help="Also check against a tree head someone kept: a file (heads file, head JSON, alert "
    "footer) or a root hash. Repeatable.",
)
@json_option("Print the full report as JSON.")
@pass_app
def verify_command(app: App, kept: tuple[str, ...], as_json: bool) -> None:
    """Recheck every blob digest, every capture's record hash, both hash chains and the signed log.

    Every tree head (the store's, the heads file's, and each --head) must be signed by the
    installation key, whose fingerprint is shown, and the captures must hash to its root.
    Exits with status 1 and names each failure (capture, blob, version, article, run, tree
    head or timestamp, what failed, expected and found) when the store does not verify.

    \b
    Examples:
      palimpsest verify
      palimpsest verify --head heads-from-alerts.txt
      palimpsest verify --head 5d41402abc4b2a76b9719d911017c592ae41e4649b934ca495991b7852b855aa
      palimpsest verify --json > verify.json
    """
    witnesses = [head for item in kept for head in _kept_heads(item)]
    report = verify(app.store, settings=app.config.evidence, witnesses=witnesses)
    emit(report.to_json(), as_json, lambda _doc: _print_verify(report))
    finish(report.ok)


def _print_verify(report: Any) -> None:
    for note in report.notes:
        say(note)
    say("checked: " + ", ".join(f"{n} {what}" for what, n in report.checked.items()))
    for failure in report.failures:
        say(f"FAIL {failure}")
    if report.more_failures:
        say(f"… and {report.more_failures} more failures")
    say("store verifies" if report.ok else "store does NOT verify")


def _kept_heads(item: str) -> list[dict[str, Any]]:
    from evidence.log import parse_heads

    if re.fullmatch(r"[0-9a-fA-F]{64}", item):
        return [{"root_hash": item.lower(), "tree_size": None}]
    path = Path(item)
    try:
        heads = parse_heads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.BadParameter(
            f"{item}: neither a 64-hex root hash nor a readable file ({exc.strerror})", param_hint="--head"
        ) from None
    except ValueError as exc:
        raise click.BadParameter(f"{item}: not a tree head ({exc})", param_hint="--head") from None
    if not heads:
        raise click.BadParameter(f"{item}: holds no tree head", param_hint="--head")
    return heads


@click.command("proof")
@click.argument("target", metavar="CAPTURE|URL")
@click.option(
    "--head",
    "kept",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Add a consistency proof to each tree head in this file (a copy someone kept).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here, not to stdout.")
@pass_app
def proof_command(app: App, target: str, kept: Path | None, out: Path | None) -> None:
    """Print a self-contained proof (JSON) that a capture is in the signed log.

    CAPTURE is a capture id; URL means the article's latest capture a signed tree head
    covers. Anyone can check
    the proof offline, without the store, with the bundled checker:
    `python -m evidence.checker proof.json --key FINGERPRINT` (or a copy of
    evidence/checker.py; it needs only Python and the cryptography package).

    \b
    Examples:
      palimpsest proof 1234 --out proof-1234.json
      palimpsest proof https://charter97.org/en/news/2025/10/7/654321/
    """
    from evidence.log import LogError, parse_heads, prove

    capture_id = _capture_of(app.store, target)
    heads = parse_heads(kept.read_text(encoding="utf-8")) if kept else None
    try:
        document = prove(app.store, capture_id, app.config.evidence, kept=heads)
    except (LogError, EvidenceError) as exc:
        raise Failure(str(exc)) from None
    if out is None:
        say_json(document, sort_keys=True)
    else:
        text = to_json(document, sort_keys=True)
        out.write_text(text + "\n", encoding="utf-8")
        say(
            f"{out}: proof of capture {capture_id}, leaf {document['leaf_index']} of "
            f"{document['tree_head']['tree_size']}"
        )


def _capture_of(store: Any, target: str) -> int:
    """A capture id as given, or the article's latest capture that a signed head covers
    (its latest one when none is covered yet: ``prove`` then says so)."""
    if target.isdigit():
        return int(target)
    with store.reader() as s:
        covered = s.scalar(select(func.max(TreeHead.last_capture_id)))
        query = (
            select(func.max(Capture.id)).join(Article, Article.id == Capture.article_id).where(Article.url == target)
        )
        capture_id = s.scalar(query.where(Capture.id <= covered)) if covered else None
        capture_id = capture_id or s.scalar(query)
    if capture_id is None:
        raise Failure(f"no capture of an article at {target}")
    return capture_id


@click.command("reparse")
@click.option("--site", metavar="NAME", help="Only this site's versions.")
@click.option(
    "--parser",
    "parser_name",
    metavar="NAME[/VERSION]",
    help="Use this parser (or this version of it) instead of the one valid at each capture's date.",
)
@click.option("--all-captures", is_flag=True, help="Re-read every capture, not only each version's first.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Write the new readings as versions marked with their parser version (no events, no alerts).",
)
@json_option("Print the full report as JSON.")
@pass_app
def reparse_command(
    app: App, site: str | None, parser_name: str | None, all_captures: bool, rebuild: bool, as_json: bool
) -> None:
    """Re-read stored raw captures with the parser version of each capture's date (or
    the one named) and compare with each version.

    Never makes an edit: a field only the new parser reads is reported as "enriched";
    any other difference is a parser discrepancy to review. It writes nothing unless
    --rebuild, which adds the new readings as versions; captures and events stay as they are.

    \b
    Examples:
      palimpsest reparse --site charter97
      palimpsest reparse --site charter97 --parser charter97/2 --json
      palimpsest reparse --site charter97 --rebuild
    """
    try:
        report = reparse(
            app.store,
            site=site,
            parser_name=parser_name,
            all_captures=all_captures,
            make_parser=_parser_factory(app),
            keep_readings=rebuild,
        )
    except KeyError as exc:  # unknown parser name: the registry lists the known ones
        raise Failure(str(exc.args[0])) from exc
    rebuilt = rebuild_versions(app.store, report) if rebuild else None
    document = {**report.to_json(), **({"rebuilt": rebuilt.to_json()} if rebuilt else {})}
    emit(document, as_json, lambda _doc: _print_reparse(report, rebuilt))


def _print_reparse(report: Any, rebuilt: Any) -> None:
    say("versions: " + (", ".join(f"{n} {status}" for status, n in report.counts.items()) or "none"))
    if report.enriched_fields:
        say("enriched fields: " + ", ".join(f"{k} ({n})" for k, n in report.enriched_fields.items()))
    for finding in report.discrepancies:
        what = ", ".join(f"{k} {v}" for k, v in finding.fields.items()) or finding.details.get("message", "")
        say(
            f"{finding.status.upper()} version {finding.version_id} ({finding.article_url}, "
            f"capture {finding.capture_id}, {finding.old_parser} -> {finding.new_parser}): {what}"
        )
    if rebuilt is not None:
        say(
            f"rebuilt: {rebuilt.created} new versions, {rebuilt.reused} equal to existing ones, "
            f"{rebuilt.articles} articles moved to them (captures and events unchanged)"
        )


COMMANDS = [export, verify_command, proof_command, reparse_command]
