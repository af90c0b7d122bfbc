"""record_versions.device_data: what the device sent, when the stored version differs from it

Revision ID: 0010
Revises: 0009

A device whose answer never arrived (lost on the air, or its op was replaced by a newer save while in
flight) pushes its next edit on the old base. To tell which fields that edit really changes, the server
compares it with what the same device sent last, not with the merged version it stored: otherwise the
device's stale copies of other people's values would overwrite them (a lost update), or every field
someone else changed would look like a conflict. Additive: one nullable column, no backfill; NULL means
"the device's data is the version's data", which is what every earlier version was or is treated as.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.drop_column("device_data")
