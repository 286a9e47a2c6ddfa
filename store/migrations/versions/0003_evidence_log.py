"""Evidence log: signed Merkle tree heads over the captures and their RFC 3161 tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tree_heads",
        sa.Column("id", BigId, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("last_capture_id", BigId, nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("key_fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_heads")),
        sa.UniqueConstraint("tree_size", name=op.f("uq_tree_heads_tree_size")),
    )
    op.create_table(
        "head_timestamps",
        sa.Column("id", BigId, nullable=False),
        sa.Column("head_id", BigId, nullable=False),
        sa.Column("tsa", sa.String(length=500), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["head_id"], ["tree_heads.id"], name=op.f("fk_head_timestamps_head_id_tree_heads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_head_timestamps")),
        sa.UniqueConstraint("head_id", "tsa", name=op.f("uq_head_timestamps_head_id")),
    )


def downgrade() -> None:
    op.drop_table("head_timestamps")
    op.drop_table("tree_heads")
