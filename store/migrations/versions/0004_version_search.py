"""Full-text search over every version's headline, lead and body (deleted articles too).

SQLite: an FTS5 table keyed by version id, filled by a trigger on ``versions`` (which
is append-only) and here for the versions already stored. PostgreSQL: a GIN index on
the ``simple`` text-search vector of the same text, so there is nothing to keep in
step; angle brackets are blanked first, or its parser would drop ``<…>`` runs as tags. ``store.search`` queries both; its ``include_object`` keeps them out of the
model comparison, since SQLAlchemy models cannot declare them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The text of a version, in SQLite's JSON functions: headline, lead, then the paragraphs.
SQLITE_TEXT = (
    "coalesce(json_extract({c}, '$.headline'), '') || ' ' || coalesce(json_extract({c}, '$.lead'), '')"
    " || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each({c}, '$.body')), '')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION palimpsest_version_text(content json) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
              SELECT translate(concat_ws(' ', content->>'headline', content->>'lead',
                     (SELECT string_agg(p, ' ') FROM json_array_elements_text(
                        CASE WHEN json_typeof(content->'body') = 'array' THEN content->'body' ELSE '[]' END) AS p)),
                     '<>', '  ')
            $$""")
        op.execute(
            "CREATE INDEX ix_versions_search ON versions "
            "USING gin (to_tsvector('simple'::regconfig, palimpsest_version_text(content)))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE version_search USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(f"INSERT INTO version_search(rowid, text) SELECT id, {SQLITE_TEXT.format(c='content')} FROM versions")
    op.execute(f"""CREATE TRIGGER version_search_insert AFTER INSERT ON versions BEGIN
                     INSERT INTO version_search(rowid, text) VALUES (new.id, {SQLITE_TEXT.format(c="new.content")});
                   END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_versions_search")
        op.execute("DROP FUNCTION palimpsest_version_text(json)")
        return
    op.execute("DROP TRIGGER version_search_insert")
    op.execute("DROP TABLE version_search")
