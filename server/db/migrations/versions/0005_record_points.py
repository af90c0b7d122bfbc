"""record points: records.latitude and records.longitude (derived on write)

Revision ID: 0005
Revises: 0004

Additive: two nullable columns, backfilled from employers' locations and visits' geotags; no new
index (employer points are read by record id through uq_records_team_id). The backfill keeps its
own copy of the rule (server.services.derived.location_columns): a migration must not change when
that code does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000
NO_POINT: dict[str, Any] = {"latitude": None, "longitude": None}


def _location_columns(kind: str, data: Any) -> dict[str, Any]:
    """An employer's location or a visit's geotag; no point for anything else or a malformed one."""
    if not isinstance(data, dict):
        return NO_POINT
    source = data.get("geotag") if kind == "employer_visit" else data
    if not isinstance(source, dict):
        return NO_POINT
    lat, lon = source.get("latitude"), source.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return NO_POINT
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return NO_POINT
    return {"latitude": float(lat), "longitude": float(lon)}


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    _backfill()


def _backfill() -> None:
    records = sa.table(
        "records",
        sa.column("pk", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("latitude", sa.Float),
        sa.column("longitude", sa.Float),
    )
    connection = op.get_bind()
    last = -1
    for _ in range(1_000_000):  # bounded: batches of BATCH records
        rows = connection.execute(
            sa.select(records.c.pk, records.c.kind, records.c.data)
            .where(records.c.pk > last, records.c.kind.in_(("employer", "employer_visit")))
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            records.update().where(records.c.pk == sa.bindparam("b_pk")),
            [{"b_pk": pk, **_location_columns(kind, data)} for pk, kind, data in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
