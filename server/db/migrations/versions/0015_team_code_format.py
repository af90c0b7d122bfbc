"""teams.code_format: the team's job-seeker code format (issue 17, item 10)

Revision ID: 0015
Revises: 0014

A preset's name or "mask:" and a pattern (app.domain.code_format), set by an admin on the team
page; the server checks job seekers' codes against it on push and sends it with every pull.
Additive: one nullable column, no backfill (NULL is the default format, as before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_format", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("code_format")
