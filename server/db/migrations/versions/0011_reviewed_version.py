"""reviews.reviewed_version: the record version a review decision was made on

Revision ID: 0011
Revises: 0010

A record approved at version 1 and then edited by its specialist kept saying "approved" at version
2. The review now stores the version it was made on; a later version is "changed since review"
until a supervisor reviews again (sync.protocol.changed_since_review).

Backfill: each existing review gets the newest version stored at or before its `reviewed_at`
(versions and reviews are stamped by the same server clock), so a record edited after its review
shows as changed from the upgrade on; a review with no such version (no time, or only later
versions) gets the record's current version, which is what the pages showed until now.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_version", sa.Integer(), nullable=True))
    _backfill()


def _backfill() -> None:
    # Table stubs, not the application's models: this migration must keep meaning what it means now.
    reviews = sa.table(
        "reviews",
        sa.column("record_pk", sa.BigInteger),
        sa.column("reviewed_at", sa.DateTime(timezone=True)),
        sa.column("reviewed_version", sa.Integer),
    )
    versions = sa.table(
        "record_versions",
        sa.column("record_pk", sa.BigInteger),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    records = sa.table("records", sa.column("pk", sa.BigInteger), sa.column("version", sa.Integer))
    stored_by_then = (
        sa.select(sa.func.max(versions.c.version))
        .where(versions.c.record_pk == reviews.c.record_pk, versions.c.created_at <= reviews.c.reviewed_at)
        .scalar_subquery()
    )
    current = sa.select(records.c.version).where(records.c.pk == reviews.c.record_pk).scalar_subquery()
    op.execute(reviews.update().values(reviewed_version=sa.func.coalesce(stored_by_then, current)))


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("reviewed_version")
