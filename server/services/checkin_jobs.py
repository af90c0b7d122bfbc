"""The jobs a pushed batch's check-ins name, loaded in one query (server.services.apply checks
that a check-in's job is a live job of its worker), and for an archived check-in its last version
that had data (a restore is compared with it, so it brings the check-in back as it was)."""

from __future__ import annotations

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from server.db.models import RecordRow, RecordVersion
from server.services.apply import Batch
from server.services.bulk import any_of
from server.services.version_rows import read_versions
from sync.protocol import Operation

KIND = "support_check_in"


def load_jobs(session: Session, *, team_id: str, ops: list[Operation], batch: Batch) -> dict[str, str]:
    """job id -> its job seeker, for the team's live jobs named by the batch's check-ins (as sent,
    the server's copies, which a merge may combine with the device's edit, and an archived one's
    last version with data). Puts that version into `batch.history` when it is not there yet."""
    _load_last_live(session, ops=ops, batch=batch)
    wanted: set[str] = set()
    for op in ops:
        if op.kind != KIND:
            continue
        for data in (op.data or {}, batch.last_live(op.record_id) or {}):
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


def _load_last_live(session: Session, *, ops: list[Operation], batch: Batch) -> None:
    """The last version with data of each archived check-in the batch writes, when the history read
    for stale edits does not hold it (a save on the tombstone's version reads none). One query, and
    none in a batch without such a check-in."""
    missing: dict[int, str] = {}
    for op in ops:
        state = batch.records.get(op.record_id)
        if op.kind != KIND or op.delete or state is None or not state.deleted or state.pk is None:
            continue
        if batch.last_live(op.record_id) is None:
            missing[state.pk] = op.record_id
    if not missing:
        return
    last = (
        select(RecordVersion.record_pk, func.max(RecordVersion.version))
        .where(any_of(session, RecordVersion.record_pk, set(missing)), RecordVersion.deleted.is_(False))
        .group_by(RecordVersion.record_pk)
    )
    for pk, version, stored in read_versions(
        session, tuple_(RecordVersion.record_pk, RecordVersion.version).in_(last)
    ):
        batch.history.setdefault(missing[pk], {}).setdefault(version, stored)
