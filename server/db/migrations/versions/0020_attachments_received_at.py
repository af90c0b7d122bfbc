"""attachments.received_at: an unfinished upload is abandoned counting from its last chunk

Revision ID: 0020
Revises: 0019

The sweep of abandoned uploads (server.services.attachments) counted from the declaration
(`created_at`), so a phone still resuming a photo after FIELDWORK_PHOTO_UPLOAD_ABANDONED_DAYS lost
what the server had and started again from byte 0. `received_at` is when the upload last received
a chunk (its declaration until the first), and the team's index reads it instead of `created_at`.

Backfill: a finished upload's completion time, else its declaration (what the sweep used before:
no upload is swept sooner than it would have been). On PostgreSQL the index still INCLUDEs `size`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD_INDEX = "ix_attachments_team_complete_created"
INDEX = "ix_attachments_team_complete_received"

attachments = sa.table(
    "attachments",
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("completed_at", sa.DateTime(timezone=True)),
    sa.column("received_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        attachments.update().values(
            received_at=sa.func.coalesce(attachments.c.completed_at, attachments.c.created_at)
        )
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.alter_column("received_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.drop_index(OLD_INDEX, table_name="attachments")
    op.create_index(INDEX, "attachments", ["team_id", "complete", "received_at"], postgresql_include=["size"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="attachments")
    op.create_index(
        OLD_INDEX, "attachments", ["team_id", "complete", "created_at"], postgresql_include=["size"]
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("received_at")
