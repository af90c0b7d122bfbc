"""records.seeker_ids also holds a visit's undisclosed job seekers (issue 15)

Revision ID: 0016
Revises: 0015

A visit made "on behalf of, not disclosed" (undisclosed_job_seeker_ids) counts toward that job
seeker's first employer contact, so the derived `seeker_ids` column holds them after the named
ones. No schema change: the column of each stored visit that has undisclosed job seekers is worked
out again. The rule is copied here (server.services.derived.seeker_ids_of): a migration must not
change when that code does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 5000
FIELDS = ("job_seeker_ids", "undisclosed_job_seeker_ids")


def _seeker_ids(data: Any, fields: tuple[str, ...]) -> str | None:
    if not isinstance(data, dict):
        return None
    ids: list[str] = []
    for field in fields:
        raw = data.get(field)
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, str) and item and " " not in item and item not in ids:
                ids.append(item)
    return " ".join(ids) or None


def _undisclosed(data: Any) -> bool:
    return isinstance(data, dict) and bool(data.get("undisclosed_job_seeker_ids"))


def _recompute(fields: tuple[str, ...]) -> None:
    records = sa.table(
        "records",
        sa.column("pk", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
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
        changed = [
            {"b_pk": pk, "seeker_ids": _seeker_ids(data, fields)} for pk, data in rows if _undisclosed(data)
        ]
        if changed:
            connection.execute(records.update().where(records.c.pk == sa.bindparam("b_pk")), changed)
        last = rows[-1][0]


def upgrade() -> None:
    _recompute(FIELDS)


def downgrade() -> None:
    _recompute(FIELDS[:1])
