"""review columns: records.occurred_at and records.subject_id (derived on write), review indexes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.services.derived import review_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.String(length=36), nullable=True))
    _backfill()
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_team_occurred", ["team_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_records_team_owner_occurred", ["team_id", "owner_user_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_records_team_subject", ["team_id", "subject_id", "occurred_at"], unique=False
        )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_state", ["state"], unique=False)


def _backfill() -> None:
    records = sa.table(
        "records",
        sa.column("pk", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("subject_id", sa.String),
    )
    connection = op.get_bind()
    last = -1
    for _ in range(1_000_000):  # bounded: batches of BATCH rows
        rows = connection.execute(
            sa.select(records.c.pk, records.c.kind, records.c.data)
            .where(records.c.pk > last)
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            records.update().where(records.c.pk == sa.bindparam("b_pk")),
            [{"b_pk": pk, **review_columns(kind, data)} for pk, kind, data in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_state")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_team_subject")
        batch_op.drop_index("ix_records_team_owner_occurred")
        batch_op.drop_index("ix_records_team_occurred")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("occurred_at")
