"""record_versions and applied_operations: author columns without foreign keys

Revision ID: 0009
Revises: 0008

Every push inserts up to 500 rows into each of these two append-only logs, and PostgreSQL checks a
foreign key with one trigger call per row: the four author keys cost about a quarter of the
database's time for a push. Their values are never typed by anyone: the server writes the
authenticated caller's own user and device ids, and users and devices are never deleted (they
are disabled and revoked), so the keys guarded nothing. The record keys (`record_pk`) stay.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DROPPED = (
    ("record_versions", "author_user_id", "users"),
    ("record_versions", "author_device_id", "devices"),
    ("applied_operations", "user_id", "users"),
    ("applied_operations", "device_id", "devices"),
)


def upgrade() -> None:
    for table in ("record_versions", "applied_operations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, referred in DROPPED:
                if name == table:
                    batch_op.drop_constraint(f"fk_{table}_{column}_{referred}", type_="foreignkey")


def downgrade() -> None:
    for table in ("record_versions", "applied_operations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, referred in DROPPED:
                if name == table:
                    batch_op.create_foreign_key(f"fk_{table}_{column}_{referred}", referred, [column], ["id"])
