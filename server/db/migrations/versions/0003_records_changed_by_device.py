"""records.changed_by_device_id: the device that made a record's latest change (pull skips it)

Revision ID: 0003
Revises: 0002

Additive: one nullable column, no backfill. Existing rows keep NULL, which means "send to every
device that may see the record", exactly what pull did before this column existed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_by_device_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("changed_by_device_id")
