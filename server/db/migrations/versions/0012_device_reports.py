"""devices.last_sync_at, reported_pending, app_version: what each phone said at its last sync

Revision ID: 0012
Revises: 0011

The team page shows each phone's last sync, how many saves it still had waiting, and its app
version; the phone sends the last two as headers on its pulls (server.services.devices). Additive:
three nullable columns, no backfill (NULL reads "has not reported yet").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reported_pending", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("app_version", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("app_version")
        batch_op.drop_column("reported_pending")
        batch_op.drop_column("last_sync_at")
