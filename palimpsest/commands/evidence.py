"""``palimpsest export``, ``verify`` and ``reparse``: the evidence commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select

from crawler.sites import parser_class
from evidence.bundle import export_bundle, slugify
from evidence.reparse import reparse
from evidence.verify import verify
from evidence.warc import EvidenceError, export_warc
from palimpsest.config import ConfigError
from palimpsest.options import Moment
from store.models import Article, Site

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.sites import SiteParser


@click.command()
@click.option("--article", "article_url", metavar="URL", help="Only this article's captures.")
@click.option("--site", metavar="NAME", help="Only this site's captures (with --article: the article's site).")
@click.option("--since", type=Moment(), help="Captures fetched at or after this time (UTC unless stated).")
@click.option("--until", type=Moment(), help="Captures fetched before this time.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="WARC file to write [default: exports/<scope>-<time>.warc.gz].")
@click.option("--bundle", "bundle_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write an evidence bundle (WARC + JSON manifest) per article into this directory.")
@click.pass_obj
def export(obj: Any, article_url: str | None, site: str | None, since: datetime | None, until: datetime | None,
           out: Path | None, bundle_dir: Path | None) -> None:
    """Export captures as a WARC 1.1 file, or evidence bundles per article.

    Every fetch attempt in scope becomes request, response (or revisit) and metadata
    records with SHA-256 digests; `warcio check` validates the file.

    \b
    Examples:
      palimpsest export --article https://charter97.org/en/news/2025/10/7/654321/
      palimpsest export --site charter97 --since 2025-10-01 --until 2025-10-08 --out oct.warc.gz
      palimpsest export --article https://charter97.org/en/news/2025/10/7/654321/ --bundle evidence/
    """
    try:
        if bundle_dir is not None:
            _bundles(obj.store, article_url, site, since, until, bundle_dir)
            return
        if out is None:
            scope = slugify(article_url) if article_url else site or "store"
            out = Path("exports") / f"{scope}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.warc.gz"
        summary = export_warc(obj.store, out, article_url=article_url, site=site, since=since, until=until)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from exc
    records = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.records.items()))
    click.echo(f"{summary.path}: {summary.captures} captures ({records}), {summary.size} bytes")
    click.echo(f"sha256 {summary.sha256}")


def _bundles(store: Any, article_url: str | None, site: str | None, since: datetime | None,
             until: datetime | None, out: Path) -> None:
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
        click.echo(f"{bundle.manifest}: {bundle.captures} captures, {chain}")


def _parser_factory(obj: Any) -> Callable[[str, str], SiteParser]:
    """Parsers built as the crawler builds them: with the site's configured zone, expectations and URL rule."""
    config = getattr(obj, "config", None)

    def make(site: str, name: str) -> SiteParser:
        if config is not None:
            try:
                entry = config.site(site)
            except ConfigError:  # a site no longer configured: the parser's own defaults
                entry = None
            if entry is not None and entry.parser == name:
                return entry.build_parser()
        return parser_class(name)()

    return make


@click.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.pass_obj
def verify_command(obj: Any, as_json: bool) -> None:
    """Recheck every blob digest, every capture's record hash and both hash chains.

    Exits with status 1 and names each failure (capture, blob, version, article or run, what
    failed, expected and found) when the store does not verify.

    \b
    Examples:
      palimpsest verify
      palimpsest verify --json > verify.json
    """
    report = verify(obj.store)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo("checked: " + ", ".join(f"{n} {what}" for what, n in report.checked.items()))
        for failure in report.failures:
            click.echo(f"FAIL {failure}")
        if report.more_failures:
            click.echo(f"… and {report.more_failures} more failures")
        click.echo("store verifies" if report.ok else "store does NOT verify")
    if not report.ok:
        raise click.exceptions.Exit(1)


@click.command("reparse")
@click.option("--site", metavar="NAME", help="Only this site's versions.")
@click.option("--parser", "parser_name", metavar="NAME", help="Use this parser instead of each site's own.")
@click.option("--all-captures", is_flag=True, help="Re-read every capture, not only each version's first.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.pass_obj
def reparse_command(obj: Any, site: str | None, parser_name: str | None, all_captures: bool,
                    as_json: bool) -> None:
    """Re-read stored raw captures with the current parser and compare with each version.

    Writes nothing and never makes an edit: a field only the new parser reads is
    reported as "enriched"; any other difference is a parser discrepancy to review.

    \b
    Examples:
      palimpsest reparse --site charter97
      palimpsest reparse --site charter97 --parser generic --json
    """
    try:
        report = reparse(obj.store, site=site, parser_name=parser_name, all_captures=all_captures,
                         make_parser=_parser_factory(obj))
    except KeyError as exc:  # unknown parser name: the registry lists the known ones
        raise click.ClickException(str(exc.args[0])) from exc
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo("versions: " + (", ".join(f"{n} {status}" for status, n in report.counts.items()) or "none"))
    if report.enriched_fields:
        click.echo("enriched fields: " + ", ".join(f"{k} ({n})" for k, n in report.enriched_fields.items()))
    for finding in report.discrepancies:
        what = ", ".join(f"{k} {v}" for k, v in finding.fields.items()) or finding.details.get("message", "")
        click.echo(f"{finding.status.upper()} version {finding.version_id} ({finding.article_url}, "
                   f"capture {finding.capture_id}, {finding.old_parser} -> {finding.new_parser}): {what}")


COMMANDS = [export, verify_command, reparse_command]
