"""attachments: an index for the team's photo storage (its sum and its sweep)

Revision ID: 0018
Revises: 0017

Each declaration of a new photo sums the sizes of its team's uploads (the team's photo storage
cap) and deletes the team's uploads left unfinished too long (server.services.attachments). Both
filter on the team; the sweep also on `complete` and `created_at`. Without this index each
declaration reads every team's uploads. On PostgreSQL it INCLUDEs `size`, so the sum is answered
from the index without visiting the table (whose rows hold the photos' bytes); SQLite gets the
same index without INCLUDE. Additive: no data change.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INDEX = "ix_attachments_team_complete_created"


def upgrade() -> None:
    op.create_index(INDEX, "attachments", ["team_id", "complete", "created_at"], postgresql_include=["size"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="attachments")
