"""Search every version's text and every article's URL: SQLite FTS5 or PostgreSQL full text.

The index covers all versions ever stored, so an article that was edited or deleted is
still found by the words it once held (migration ``0004``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from store.models import Article, Site, Version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_TOKENS = re.compile(r"\w+")
MAX_TERMS = 8
MAX_VERSIONS = 1000
"""Matching versions read at most (newest first) before they are grouped by article."""
SEARCH_OBJECTS = ("version_search", "ix_versions_search")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """For Alembic's model comparison: the search index is the migration's, not a model's."""
    return not (name and name.startswith(SEARCH_OBJECTS))


def terms(query: str) -> list[str]:
    return [t.casefold() for t in _TOKENS.findall(query)][:MAX_TERMS]


def _matching_versions(s: Session, words: list[str]) -> list[int]:
    """Ids of versions holding every word (as a word prefix), newest first."""
    if s.get_bind().dialect.name == "postgresql":
        # Materialised first: with ORDER BY … LIMIT beside it, the planner walks the primary
        # key backwards and computes the vector of every row instead of using the index.
        sql = text(
            "WITH m AS MATERIALIZED (SELECT id FROM versions WHERE to_tsvector('simple'::regconfig, "
            "palimpsest_version_text(content)) @@ to_tsquery('simple'::regconfig, :q)) "
            "SELECT id FROM m ORDER BY id DESC LIMIT :n"
        )
        query = " & ".join(f"{w}:*" for w in words)
    else:
        sql = text("SELECT rowid FROM version_search WHERE version_search MATCH :q ORDER BY rowid DESC LIMIT :n")
        query = " ".join(f'"{w}"*' for w in words)  # tokens are \w+ only: nothing to escape
    return list(s.scalars(sql, {"q": query, "n": MAX_VERSIONS}))


def search(s: Session, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """Articles whose URL holds ``query`` or any of whose versions hold all its words.

    One row per article, newest match first: the article, its site, the matching
    version numbers, and the latest matching version.
    """
    query = query.strip()
    words = terms(query)
    if not query:
        return []
    found: dict[int, dict[str, Any]] = {}
    if words:
        ids = _matching_versions(s, words)
        # Which article each match belongs to, cheaply; contents only for the articles shown.
        seqs: dict[int, list[tuple[int, int]]] = {}
        for vid, article_id, seq in (
            s.execute(select(Version.id, Version.article_id, Version.seq).where(Version.id.in_(ids))).all()
            if ids
            else []
        ):
            seqs.setdefault(article_id, []).append((vid, seq))
        shown = sorted(seqs, key=lambda a: -max(v for v, _ in seqs[a]))[:limit]
        latest = {max(seqs[a])[0] for a in shown}
        versions = {v.article_id: v for v in s.scalars(select(Version).where(Version.id.in_(latest)))} if latest else {}
        rows = (
            dict(
                s.execute(
                    select(Article.id, Site.name).join(Site, Site.id == Article.site_id).where(Article.id.in_(shown))
                ).all()
            )
            if shown
            else {}
        )
        articles = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_(shown)))} if shown else {}
        for article_id in shown:
            found[article_id] = {
                "article": articles[article_id],
                "site": rows[article_id],
                "version": versions[article_id],
                "seqs": [seq for _, seq in seqs[article_id]],
            }
    if len(query) >= 3:
        by_url = s.execute(
            select(Article, Site.name)
            .join(Site, Site.id == Article.site_id)
            .where(Article.url.contains(query, autoescape=True))
            .order_by(Article.id.desc())
            .limit(limit)
        ).all()
        for article, site in by_url:
            if article.id not in found:
                version = s.get(Version, article.current_version_id) if article.current_version_id else None
                found[article.id] = {"article": article, "site": site, "version": version, "seqs": [], "by_url": True}
    return list(found.values())[:limit]


def snippet(content: dict[str, Any], words: list[str], width: int = 90) -> list[tuple[str, bool]]:
    """A passage around the first word found, as runs of (text, is a match)."""
    texts = [content.get("headline") or "", content.get("lead") or "", *(content.get("body") or [])]
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\w*", re.IGNORECASE) if words else None
    passage = texts[0]
    for candidate in texts:
        if pattern and pattern.search(candidate):
            passage = candidate
            break
    if pattern and (m := pattern.search(passage)) and len(passage) > 2 * width:
        start = max(0, m.start() - width)
        end = m.end() + width
        passage = ("…" if start else "") + passage[start:end] + ("…" if end < len(passage) else "")
    if not pattern:
        return [(passage, False)]
    runs, last = [], 0
    for m in pattern.finditer(passage):
        runs += [(passage[last : m.start()], False), (m.group(0), True)]
        last = m.end()
    runs.append((passage[last:], False))
    return [r for r in runs if r[0]]
