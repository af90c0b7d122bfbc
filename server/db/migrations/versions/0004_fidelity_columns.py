"""fidelity columns: records.face_to_face and records.seeker_ids (derived on write)

Revision ID: 0004
Revises: 0003

Additive: two nullable columns, backfilled from each visit's data; no new index (the fidelity
queries reach visits through the review indexes of migration 0002). The backfill keeps its own
copy of the rule (server.services.derived.metric_columns): a migration must not change when that
code does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def _metric_columns(data: Any) -> dict[str, Any]:
    """Only visits are backfilled: the face-to-face flag and the job seekers a visit names."""
    if not isinstance(data, dict):
        return {"face_to_face": None, "seeker_ids": None}
    raw = data.get("job_seeker_ids")
    ids: list[Any] = raw if isinstance(raw, list) else []
    named = [str(item) for item in ids if isinstance(item, str) and item and " " not in item]
    return {"face_to_face": data.get("contact_mode") == "face_to_face", "seeker_ids": " ".join(named) or None}


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
            sa.select(records.c.pk, records.c.data)
            .where(records.c.pk > last, records.c.kind == "employer_visit")
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            records.update().where(records.c.pk == sa.bindparam("b_pk")),
            [{"b_pk": pk, **_metric_columns(data)} for pk, data in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("seeker_ids")
        batch_op.drop_column("face_to_face")
