"""comments.is_reply: a reply is what the record's owner sends from the phone

Revision ID: 0019
Revises: 0018

Until now a reply was any comment written by the record's owner. A supervisor who owns a record
(their own phone's visit, say) and comments on it on the review pages was then taken for the
specialist replying: "Reply waiting" on their own comment, "Reply from the phone" beside it, and
their phone counted it among its replies. A comment now says whether it came from the phone's
Reply box (server.services.replies) or from the supervisor pages.

Backfill: a comment by the record's owner is a reply when the owner is a specialist (a specialist
has no other way to comment) or, for an owner who reviews (supervisor, admin), when the audit log
has that user's reply on that record from a device within a few seconds of the comment (a reply
and its audit row are written in one transaction, by the same server clock). Every other comment
stays a supervisor's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SAME_WRITE = timedelta(seconds=5)

comments = sa.table(
    "comments",
    sa.column("id", sa.String),
    sa.column("record_pk", sa.BigInteger),
    sa.column("author_user_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("is_reply", sa.Boolean),
)
records = sa.table(
    "records",
    sa.column("pk", sa.BigInteger),
    sa.column("team_id", sa.String),
    sa.column("record_id", sa.String),
    sa.column("owner_user_id", sa.String),
)
users = sa.table("users", sa.column("id", sa.String), sa.column("role", sa.String))
audit = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("action", sa.String),
    sa.column("team_id", sa.String),
    sa.column("actor_user_id", sa.String),
    sa.column("device_id", sa.String),
    sa.column("target", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_reply", sa.Boolean(), server_default=sa.false(), nullable=False))
    connection = op.get_bind()
    by_owner = (
        sa.select(comments.c.id)
        .join(records, records.c.pk == comments.c.record_pk)
        .join(users, users.c.id == comments.c.author_user_id)
        .where(comments.c.author_user_id == records.c.owner_user_id)
    )
    specialists = by_owner.where(users.c.role == "specialist")
    connection.execute(comments.update().where(comments.c.id.in_(specialists)).values(is_reply=True))
    reviewers = connection.execute(
        sa.select(comments.c.id, comments.c.author_user_id, comments.c.created_at, records.c.team_id,
                  records.c.record_id)
        .join(records, records.c.pk == comments.c.record_pk)
        .join(users, users.c.id == comments.c.author_user_id)
        .where(comments.c.author_user_id == records.c.owner_user_id, users.c.role != "specialist")
    ).all()  # fmt: skip
    for comment_id, author, created_at, team_id, record_id in reviewers:
        replies = connection.execute(
            sa.select(audit.c.at).where(
                audit.c.action == "reply",
                audit.c.team_id == team_id,
                audit.c.actor_user_id == author,
                audit.c.target == record_id,
                audit.c.device_id.is_not(None),
            )
        ).scalars()
        if any(abs(_utc(at) - _utc(created_at)) <= SAME_WRITE for at in replies if at is not None):
            connection.execute(comments.update().where(comments.c.id == comment_id).values(is_reply=True))


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("is_reply")
