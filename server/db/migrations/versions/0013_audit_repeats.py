"""audit_events.repeat_key and count: repeated events counted into one row per window

Revision ID: 0013
Revises: 0012

A flood of refused sign-ins wrote one audit row per attempt, even once rate-limited, until the
admins' page could no longer reach older events. Repeated events (blocked sign-ins, blocked
enrollments, views of one record) now share one row per window, found by `repeat_key` (a hash
of what is repeated and the window) and counted in `count`. Existing rows are single events:
count 1, no key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_index("ix_audit_events_repeat_key", ["repeat_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_repeat_key")
        batch_op.drop_column("count")
        batch_op.drop_column("repeat_key")
