"""review columns: records.occurred_at and records.subject_id (derived on write), review indexes

The backfill keeps its own copy of the rule (server.services.derived.review_columns): a migration
must not change when that code does.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 5000
PRIMARY_TIME = {"employer_visit": "occurred_at", "support_check_in": "occurred_at", "job_opening": "noted_on"}
SUBJECT = {"employer_visit": "employer_id", "job_opening": "employer_id", "support_check_in": "job_seeker_id"}


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value)
        else:
            parsed = datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _review_columns(kind: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {"occurred_at": None, "subject_id": None}
    field = PRIMARY_TIME.get(kind)
    occurred = (_parse_instant(data.get(field)) if field else None) or _parse_instant(data.get("created_at"))
    key = SUBJECT.get(kind)
    subject = data.get(key) if key else None
    subject_id = subject[:36] if isinstance(subject, str) and subject else None
    return {"occurred_at": occurred, "subject_id": subject_id}


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
            [{"b_pk": pk, **_review_columns(kind, data)} for pk, kind, data in rows],
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
