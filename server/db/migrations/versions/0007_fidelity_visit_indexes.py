"""fidelity visit indexes: partial, covering indexes on live employer visits

Revision ID: 0007
Revises: 0006

Additive: two indexes, no data change. On PostgreSQL they INCLUDE every column the fidelity
queries read, so those are index-only scans (server.services.metrics_queries); SQLite gets the
same partial indexes without INCLUDE. The predicates are spelled per database as SQLAlchemy
renders the queries' filters (server.db.models).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LIVE_VISIT = "kind = 'employer_visit' AND deleted IS false"
F2F_VISIT = f"{LIVE_VISIT} AND face_to_face IS true"
LIVE_VISIT_SQLITE = "kind = 'employer_visit' AND deleted IS 0"
F2F_VISIT_SQLITE = f"{LIVE_VISIT_SQLITE} AND face_to_face IS 1"


def upgrade() -> None:
    op.create_index(
        "ix_records_visits_occurred",
        "records",
        ["team_id", "occurred_at"],
        postgresql_include=["owner_user_id", "subject_id", "face_to_face", "seeker_ids"],
        postgresql_where=sa.text(LIVE_VISIT),
        sqlite_where=sa.text(LIVE_VISIT_SQLITE),
    )
    op.create_index(
        "ix_records_f2f_visits_subject",
        "records",
        ["team_id", "subject_id", "occurred_at", "record_id"],
        postgresql_include=["owner_user_id"],
        postgresql_where=sa.text(F2F_VISIT),
        sqlite_where=sa.text(F2F_VISIT_SQLITE),
    )


def downgrade() -> None:
    op.drop_index("ix_records_f2f_visits_subject", table_name="records")
    op.drop_index("ix_records_visits_occurred", table_name="records")
