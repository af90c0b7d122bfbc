"""attachments: photos phones attach to their records, uploaded in resumable chunks

Revision ID: 0014
Revises: 0013

A photo (a job posting, a business card, a signed consent) is shrunk on the phone and sent after
its record, in chunks: `received` of `size` bytes are in `data` so far, `complete` once the last
chunk matched `sha256` and decoded as an image (server.services.attachments). Stored in the
database so any instance behind the load balancer takes the next chunk. A new table: nothing to
backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("record_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner_user_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["record_pk"], ["records.pk"], name="fk_attachments_record_pk_records"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_attachments_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_record_pk", "attachments", ["record_pk"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attachments_record_pk", table_name="attachments")
    op.drop_table("attachments")
