"""map columns: records.geotag_accuracy_m, geotag_source and purpose (derived on write)

Revision ID: 0008
Revises: 0007

Additive: three nullable columns, backfilled from each visit's data, and the live-visit index of
0007 rebuilt to include them (with the point, record id and pk) on PostgreSQL, so the map page is
an index-only scan that decodes no JSON. The backfill keeps its own copy of the rule
(server.services.derived.map_columns): a migration must not change when that code does.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 5000
LIVE_VISIT = "kind = 'employer_visit' AND deleted IS false"
LIVE_VISIT_SQLITE = "kind = 'employer_visit' AND deleted IS 0"
BEFORE = ("owner_user_id", "subject_id", "face_to_face", "seeker_ids")
AFTER = (*BEFORE, "pk", "record_id", "latitude", "longitude", "geotag_accuracy_m", "geotag_source", "purpose")


def _map_columns(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {"geotag_accuracy_m": None, "geotag_source": None, "purpose": None}
    raw = data.get("geotag")
    geotag: dict[str, Any] = raw if isinstance(raw, dict) else {}
    accuracy, source, purpose = geotag.get("accuracy_m"), geotag.get("source"), data.get("purpose")
    if isinstance(accuracy, bool) or not isinstance(accuracy, int | float) or not math.isfinite(accuracy):
        accuracy = None
    return {
        "geotag_accuracy_m": None if accuracy is None else float(accuracy),
        "geotag_source": source[:40] if isinstance(source, str) and source else None,
        "purpose": purpose[:40] if isinstance(purpose, str) and purpose else None,
    }


def _visit_index(include: tuple[str, ...]) -> None:
    op.create_index(
        "ix_records_visits_occurred",
        "records",
        ["team_id", "occurred_at"],
        postgresql_include=list(include),
        postgresql_where=sa.text(LIVE_VISIT),
        sqlite_where=sa.text(LIVE_VISIT_SQLITE),
    )


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geotag_accuracy_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("geotag_source", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.String(length=40), nullable=True))
    _backfill()
    op.drop_index("ix_records_visits_occurred", table_name="records")
    _visit_index(AFTER)


def _backfill() -> None:
    records = sa.table(
        "records",
        sa.column("pk", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("geotag_accuracy_m", sa.Float),
        sa.column("geotag_source", sa.String),
        sa.column("purpose", sa.String),
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
            [{"b_pk": pk, **_map_columns(data)} for pk, data in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_records_visits_occurred", table_name="records")
    _visit_index(BEFORE)
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("purpose")
        batch_op.drop_column("geotag_source")
        batch_op.drop_column("geotag_accuracy_m")
