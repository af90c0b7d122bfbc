"""The jobs a pushed batch's check-ins name, loaded in one query (server.services.apply checks
that a check-in's job is a live job of its worker)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import RecordRow
from server.services.apply import Batch
from server.services.bulk import any_of
from sync.protocol import Operation


def load_jobs(session: Session, *, team_id: str, ops: list[Operation], batch: Batch) -> dict[str, str]:
    """job id -> its job seeker, for the team's live jobs named by the batch's check-ins (as sent,
    and the server's copies, which a merge may combine with the device's edit)."""
    wanted: set[str] = set()
    for op in ops:
        if op.kind != "support_check_in":
            continue
        stored = batch.records.get(op.record_id)
        for data in (op.data or {}, (stored.data if stored else None) or {}):
            job_id = data.get("job_id")
            if isinstance(job_id, str) and job_id:
                wanted.add(job_id)
    if not wanted:
        return {}
    rows = session.execute(
        select(RecordRow.record_id, RecordRow.data).where(
            RecordRow.team_id == team_id,
            RecordRow.kind == "job",
            RecordRow.deleted.is_(False),
            any_of(session, RecordRow.record_id, wanted),
        )
    ).all()
    return {row.record_id: str((row.data or {}).get("job_seeker_id", "")) for row in rows}
