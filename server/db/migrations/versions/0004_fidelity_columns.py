"""fidelity columns: records.face_to_face and records.seeker_ids (derived on write)

Revision ID: 0004
Revises: 0003

Additive: two nullable columns, backfilled from each visit's data; no new index (the fidelity
queries reach visits through the review indexes of migration 0002).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.services.derived import metric_columns

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("face_to_face", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("seeker_ids", sa.Text(), nullable=True))
    _backfill()


def _backfill() -> None:
    records = sa.table(
        "records",
        sa.column("pk", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("face_to_face", sa.Boolean),
        sa.column("seeker_ids", sa.Text),
    )
    connection = op.get_bind()
    last = -1
    for _ in range(1_000_000):  # bounded: batches of BATCH visits
        rows = connection.execute(
            sa.select(records.c.pk, records.c.kind, records.c.data)
            .where(records.c.pk > last, records.c.kind == "employer_visit")
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            records.update().where(records.c.pk == sa.bindparam("b_pk")),
            [{"b_pk": pk, **metric_columns(kind, data)} for pk, kind, data in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("seeker_ids")
        batch_op.drop_column("face_to_face")
