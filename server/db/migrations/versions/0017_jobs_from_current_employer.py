"""Each job seeker's current job becomes a Job record (issue 15)

Revision ID: 0017
Revises: 0016

Before issue 15 a job seeker had one current employer and one start date (`current_employer_id`,
`job_started_on` in their data). A job seeker with both, and no job record yet, gets a `job` record:
that employer, that start, no end, owned by the job seeker's owner; version 1 in its history
(written by nobody's device, like an import), and the next change number of its team, so every
phone of the team that may see it pulls it on its next sync. The job's id is derived from the job
seeker's (uuid5), so the migration is repeatable and the same on every copy of the database.
No schema change. The record's canonical form and its derived columns (occurred_at: the start at
midnight UTC; subject_id: the job seeker) are copied here (app.domain.codec,
server.services.derived): a migration must not change when that code does. Downgrade removes the
jobs this migration made, unless they have been changed, reviewed, commented on or given a photo
since.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 2000
NAMESPACE = uuid.UUID("6f1d3c1e-5a0b-4f8e-9a51-1b2c3d4e5f60")

records = sa.table(
    "records",
    sa.column("pk", sa.BigInteger),
    sa.column("team_id", sa.String),
    sa.column("record_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("owner_user_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("deleted", sa.Boolean),
    sa.column("flagged", sa.Boolean),
    sa.column("seq", sa.BigInteger),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("subject_id", sa.String),
)
versions = sa.table(
    "record_versions",
    sa.column("record_pk", sa.BigInteger),
    sa.column("version", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("deleted", sa.Boolean),
    sa.column("op_id", sa.String),
    sa.column("author_user_id", sa.String),
    sa.column("author_device_id", sa.String),
    sa.column("conflicts", sa.JSON),
    sa.column("device_data", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
counters = sa.table(
    "team_change_counters", sa.column("team_id", sa.String), sa.column("last_seq", sa.BigInteger)
)


def job_id_for(seeker_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"job-from-current-employer:{seeker_id}"))


def _start(data: Any) -> tuple[str, date] | None:
    """(employer id, start) of a job seeker's current job, or None."""
    if not isinstance(data, dict):
        return None
    employer, started = data.get("current_employer_id"), data.get("job_started_on")
    if not isinstance(employer, str) or not employer or not isinstance(started, str):
        return None
    try:
        return employer, date.fromisoformat(started)
    except ValueError:
        return None


def _job_data(job_id: str, seeker_id: str, employer_id: str, started: date, now: datetime) -> dict[str, Any]:
    return {
        "id": job_id,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "version": 1,
        "job_seeker_id": seeker_id,
        "employer_id": employer_id,
        "opening_id": None,
        "title": "",
        "started_on": started.isoformat(),
        "hours_per_week": None,
        "wage": None,
        "wage_unit": "hour",
        "permanence": "permanent",
        "market": "open_market",
        "ended_on": None,
        "end_reason": None,
        "notes": "",
    }


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    existing = {
        row[0]
        for row in connection.execute(sa.select(records.c.record_id).where(records.c.kind == "job")).all()
    }
    last = -1
    for _ in range(1_000_000):  # bounded: batches of BATCH job seekers
        rows = connection.execute(
            sa.select(
                records.c.pk, records.c.team_id, records.c.record_id, records.c.owner_user_id, records.c.data
            )
            .where(records.c.pk > last, records.c.kind == "job_seeker", records.c.deleted.is_(False))
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for _pk, team_id, seeker_id, owner, data in rows:
            found = _start(data)
            job_id = job_id_for(seeker_id)
            if found is None or job_id in existing:
                continue
            _insert_job(connection, team_id, owner, seeker_id, job_id, *found, now=now)
            existing.add(job_id)
        last = rows[-1][0]


def _insert_job(
    connection: sa.Connection,
    team_id: str,
    owner: str,
    seeker_id: str,
    job_id: str,
    employer_id: str,
    started: date,
    *,
    now: datetime,
) -> None:
    seq = connection.execute(sa.select(counters.c.last_seq).where(counters.c.team_id == team_id)).scalar()
    if seq is None:
        connection.execute(counters.insert().values(team_id=team_id, last_seq=0))
        seq = 0
    seq += 1
    connection.execute(counters.update().where(counters.c.team_id == team_id).values(last_seq=seq))
    data = _job_data(job_id, seeker_id, employer_id, started, now)
    connection.execute(
        records.insert().values(
            team_id=team_id,
            record_id=job_id,
            kind="job",
            owner_user_id=owner,
            version=1,
            data=data,
            deleted=False,
            flagged=False,
            seq=seq,
            updated_at=now,
            occurred_at=datetime.combine(started, time(0), tzinfo=UTC),
            subject_id=seeker_id[:36],
        )
    )
    pk = connection.execute(
        sa.select(records.c.pk).where(records.c.team_id == team_id, records.c.record_id == job_id)
    ).scalar_one()
    connection.execute(
        versions.insert().values(
            record_pk=pk,
            version=1,
            data=data,
            deleted=False,
            op_id=None,
            author_user_id=None,
            author_device_id=None,
            conflicts=[],
            device_data=None,
            created_at=now,
        )
    )


def downgrade() -> None:
    connection = op.get_bind()
    seekers = connection.execute(sa.select(records.c.record_id).where(records.c.kind == "job_seeker")).all()
    made = {job_id_for(row[0]) for row in seekers}
    jobs = connection.execute(
        sa.select(records.c.pk, records.c.record_id).where(records.c.kind == "job", records.c.version == 1)
    ).all()
    kept: set[int] = set()  # reviewed, commented on or with a photo since: left in place
    for table in ("reviews", "comments", "attachments"):
        linked = sa.table(table, sa.column("record_pk", sa.BigInteger))
        kept.update(row[0] for row in connection.execute(sa.select(linked.c.record_pk)).all())
    pks = [pk for pk, record_id in jobs if record_id in made and pk not in kept]
    for start in range(0, len(pks), BATCH):
        chunk = pks[start : start + BATCH]
        connection.execute(versions.delete().where(versions.c.record_pk.in_(chunk)))
        connection.execute(records.delete().where(records.c.pk.in_(chunk)))
