"""The change set of an event, stored with it: computed once by detection, read by
alerts, ``diff`` and the review UI.

Events written before this revision keep a NULL column; ``store.changesets`` computes
their change set from the two versions on read, so nothing is rewritten here and the
migration stays independent of the comparison code as it changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("change_set", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("change_set")
