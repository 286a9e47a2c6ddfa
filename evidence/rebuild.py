"""Rebuild versions from raw captures with a new parser version, inventing no edit.

A stored version that the parser of its capture's date (or a named new version) reads
differently gets a rebuilt version: the new reading, marked with the parser version
that read it, first seen in the capture it was read from. When that reading equals a
version the article already has, that one is used: a spurious "edit" an old parser made
(a date line read into the body) folds back into one version. The article's current
and pending versions move to their rebuilt counterparts, so the next crawl, reading
pages with the new version, finds the version it expects and alerts nothing.

What is never touched: captures (their chained record names the content read on the
day, and stays the evidence of it), events and alerts. A rebuild writes no event and
no alert: it is not a change of the article.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from store.models import Article, Version

if TYPE_CHECKING:
    from evidence.reparse import ReparseReport, Reread
    from store.db import Store

logger = logging.getLogger(__name__)


@dataclass
class RebuildResult:
    created: int = 0
    """New version rows, each marked with the parser version that read it."""
    reused: int = 0
    """Readings equal to a version the article already had."""
    articles: int = 0
    """Articles whose current or pending version moved."""
    mapping: dict[int, int] = field(default_factory=dict)
    """Stored version id → rebuilt version id."""

    def to_json(self) -> dict[str, object]:
        return {
            "created": self.created,
            "reused": self.reused,
            "articles": self.articles,
            "mapping": {str(k): v for k, v in self.mapping.items()},
        }


def rebuild(store: Store, report: ReparseReport) -> RebuildResult:
    """Write the rereads of ``report`` (made with ``keep_readings=True``) as versions."""
    result = RebuildResult()
    by_article: dict[int, list[Reread]] = defaultdict(list)
    for reread in report.rereads:
        by_article[reread.article_id].append(reread)
    for article_id, rereads in by_article.items():
        with store.session() as s:  # one article per transaction: a crawl may be writing beside it
            article = s.get(Article, article_id)
            mapping = {}
            for reread in sorted(rereads, key=lambda r: r.capture_id):
                target = s.scalars(
                    select(Version).where(
                        Version.article_id == article_id, Version.content_hash == reread.content.digest
                    )
                ).first()
                if target is None:
                    seq = s.scalar(select(func.max(Version.seq)).where(Version.article_id == article_id)) or 0
                    target = Version(
                        article_id=article_id,
                        seq=seq + 1,
                        content_hash=reread.content.digest,
                        content=reread.content.to_json(),
                        parser=reread.parser,
                        parser_version=reread.parser_version,
                        first_capture_id=reread.capture_id,
                        first_seen_at=reread.fetched_at,
                    )
                    s.add(target)
                    s.flush()
                    result.created += 1
                else:
                    result.reused += 1
                mapping[reread.version_id] = target.id
            if _move(article, mapping):
                result.articles += 1
            result.mapping.update(mapping)
    logger.info(
        "rebuild: %d versions created, %d reused, %d articles moved", result.created, result.reused, result.articles
    )
    return result


def _move(article: Article, mapping: dict[int, int]) -> bool:
    """Point the article's state at the rebuilt versions; a pending version that is now
    the current one was a parser artefact, not a change waiting for confirmation."""
    current = mapping.get(article.current_version_id, article.current_version_id)
    pending = mapping.get(article.pending_version_id, article.pending_version_id)
    if pending is not None and pending == current:
        pending = None
    moved = (current, pending) != (article.current_version_id, article.pending_version_id)
    article.current_version_id = current
    if pending != article.pending_version_id:
        article.pending_version_id = pending
        if pending is None:
            article.pending_count, article.pending_since = 0, None
    return moved
