"""Applying a pushed batch: one transaction, a few bulk statements, one result per operation.

Order inside the transaction: lock the team's change counter (server.services.changes), load what
the batch touches in bulk (earlier results of these op ids, the records, history for stale edits,
job seekers for the disclosure guard), decide every operation in memory (server.services.apply),
then write records, history, results and the counter in bulk. Results are stored with the change,
so a replay of any operation returns the same result and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from app.domain.codec import record_from_dict
from app.domain.records import JobSeeker
from server.db.models import AppliedOperation, RecordRow, RecordVersion
from server.services import checkin_jobs, code_formats, disclosure_sweep, seeker_codes
from server.services.accounts import Principal
from server.services.apply import Batch, History, RecordState
from server.services.bulk import JsonTexts, any_of, insert_rows, rows_where_in, update_rows
from server.services.changes import lock_team_counter, store_team_counter
from server.services.operations import result_from_stored, result_to_stored
from server.services.version_rows import read_versions
from sync.protocol import Operation, OperationResult

# Records about one job seeker (`job_seeker_id`): only their specialist (or a supervisor) may write them.
SEEKER_KINDS = ("support_check_in", "job", "employer_disclosure")

# Core tables, not ORM classes: bulk statements skip the ORM's per-row bookkeeping.
RECORDS: Table = RecordRow.__table__  # type: ignore[assignment]
VERSIONS: Table = RecordVersion.__table__  # type: ignore[assignment]
APPLIED: Table = AppliedOperation.__table__  # type: ignore[assignment]


def push_operations(
    session: Session,
    *,
    principal: Principal,
    operations: Sequence[Operation | OperationResult],
    clock: Clock,
) -> list[OperationResult]:
    """Apply parsed operations (pre-rejected ones pass straight through) and return one result each."""
    if principal.device_id is None:
        raise ValueError("operations are pushed by a device")
    ops = [op for op in operations if isinstance(op, Operation)]
    if not ops:
        return [op for op in operations if isinstance(op, OperationResult)]
    last_seq = lock_team_counter(session, team_id=principal.team_id)
    batch = Batch(principal=principal, now=clock.now())
    batch.replays = _load_replays(session, principal=principal, op_ids={op.op_id for op in ops})
    batch.records = _load_records(session, team_id=principal.team_id, record_ids={op.record_id for op in ops})
    # A replay returns its stored result: what deciding an operation reads, it does not need (a
    # phone retrying a lost answer resends a whole batch of edits whose bases are now stale).
    ops = [op for op in ops if op.op_id not in batch.replays]
    batch.history = _load_history(session, batch=batch, ops=ops)
    batch.job_seekers = _load_job_seekers(session, team_id=principal.team_id, ops=ops, batch=batch)
    batch.jobs = checkin_jobs.load_jobs(session, team_id=principal.team_id, ops=ops, batch=batch)
    if any(op.kind == "job_seeker" for op in ops):
        batch.code_format = code_formats.team_code_format(session, team_id=principal.team_id)
        batch.code_keys = seeker_codes.team_code_keys(session, team_id=principal.team_id)
    batch.decisions = disclosure_sweep.load_decisions(
        session,
        team_id=principal.team_id,
        seeker_ids=set(batch.job_seekers) | {op.record_id for op in ops if op.kind == "job_seeker"},
    )
    before = disclosure_sweep.consent_before(batch)
    decided = disclosure_sweep.decisions_before(batch)
    results = [op if isinstance(op, OperationResult) else batch.apply(op) for op in operations]
    _sweep_disclosure(session, batch=batch, before=before, decided=decided)
    _write(session, batch=batch, last_seq=last_seq)
    return results


def _sweep_disclosure(
    session: Session,
    *,
    batch: Batch,
    before: dict[str, disclosure_sweep.Consent],
    decided: dict[str, disclosure_sweep.Pair],
) -> None:
    """Records that named a job seeker before the server knew them as not consenting, or before a
    decision for that employer came or was revoked, get flagged (server.services.disclosure_sweep):
    the guard's outcome does not depend on arrival order."""
    withheld = disclosure_sweep.withheld_seekers(batch, before)
    pairs = disclosure_sweep.decided_pairs(batch, decided)
    if not withheld and not pairs:
        return
    stored = disclosure_sweep.load_naming(
        session,
        team_id=batch.principal.team_id,
        seeker_ids=withheld | {seeker_id for seeker_id, _ in pairs},
        skip=batch.records,
    )
    disclosure_sweep.flag_undisclosed(batch, withheld=withheld, stored=stored, decided=pairs)


def _load_replays(session: Session, *, principal: Principal, op_ids: set[str]) -> dict[str, OperationResult]:
    rows = rows_where_in(
        session,
        APPLIED,
        ("op_id", "result", "record_pk"),
        equal=("user_id", principal.user_id),
        key="op_id",
        values=op_ids,
    )
    if not rows:
        return {}
    wanted = [(pk, stored["version"]) for _, stored, pk in rows if stored.get("has_data") and pk is not None]
    data: dict[tuple[int, int], dict[str, Any] | None] = {}
    if wanted:
        found = session.execute(
            select(RecordVersion.record_pk, RecordVersion.version, RecordVersion.data).where(
                tuple_(RecordVersion.record_pk, RecordVersion.version).in_(wanted)
            )
        ).all()
        data = {(pk, version): value for pk, version, value in found}
    return {
        op_id: result_from_stored(stored, data.get((pk, stored["version"])) if pk is not None else None)
        for op_id, stored, pk in rows
    }


def _load_records(session: Session, *, team_id: str, record_ids: set[str]) -> dict[str, RecordState]:
    rows = rows_where_in(
        session, RECORDS, RecordState.COLUMNS, equal=("team_id", team_id), key="record_id", values=record_ids
    )
    return {row[0]: RecordState(**dict(zip(RecordState.COLUMNS, row, strict=True))) for row in rows}


def _load_history(session: Session, *, batch: Batch, ops: list[Operation]) -> dict[str, History]:
    """Versions from each stale edit's base on. A lone fresh edit (base == current) needs none; a
    record edited twice in one batch may need its stored version as the second edit's base."""
    oldest: dict[int, int] = {}
    touches: dict[str, int] = {}
    for op in ops:
        touches[op.record_id] = touches.get(op.record_id, 0) + 1
    for op in ops:
        state = batch.records.get(op.record_id)
        if state is None or state.pk is None:
            continue
        if op.base_version < state.version or touches[op.record_id] > 1:
            oldest[state.pk] = min(oldest.get(state.pk, op.base_version), op.base_version)
    history: dict[str, History] = {}
    if not oldest:
        return history
    record_of = {state.pk: state.record_id for state in batch.records.values()}
    # Only the versions from each edit's base on: a shared employer may have thousands before it.
    wanted = or_(
        *(
            and_(RecordVersion.record_pk == pk, RecordVersion.version >= base)
            for pk, base in sorted(oldest.items())
        )
    )
    for pk, version, stored in read_versions(session, wanted):
        history.setdefault(record_of[pk], {})[version] = stored
    return history


def _load_job_seekers(
    session: Session, *, team_id: str, ops: list[Operation], batch: Batch
) -> dict[str, JobSeeker]:
    wanted: set[str] = set()
    for op in ops:
        # The server's copy counts too: a merge may combine its job seekers with the device's edit.
        stored = batch.records.get(op.record_id)
        for data in (op.data or {}, (stored.data if stored else None) or {}):
            for name in ("job_seeker_ids", "undisclosed_job_seeker_ids"):  # a visit's on-behalf ones too
                if op.kind in ("employer_visit", "job_opening") and isinstance(data.get(name), list):
                    wanted.update(item for item in data[name] if isinstance(item, str))
            if op.kind in SEEKER_KINDS and isinstance(data.get("job_seeker_id"), str):
                wanted.add(data["job_seeker_id"])
    if not wanted:
        return {}
    rows = session.execute(
        select(RecordRow.record_id, RecordRow.data, RecordRow.owner_user_id).where(
            RecordRow.team_id == team_id,
            RecordRow.kind == "job_seeker",
            RecordRow.deleted.is_(False),
            any_of(session, RecordRow.record_id, wanted),
        )
    ).all()
    batch.others_seekers = {row.record_id for row in rows if row.owner_user_id != batch.principal.user_id}
    # Stored data is canonical (written by the codec), so reading it back cannot fail.
    return {row.record_id: record_from_dict(JobSeeker, row.data) for row in rows if row.data is not None}


def _write(session: Session, *, batch: Batch, last_seq: int) -> None:
    changed = batch.changed_in_order()
    for offset, state in enumerate(changed, start=1):
        state.seq = last_seq + offset
    team_id = batch.principal.team_id
    new = [state for state in changed if state.pk is None]
    existing = [state for state in changed if state.pk is not None]
    texts = JsonTexts()  # a record's data is serialised once for its row and its version
    if new:
        _insert_records(session, team_id=team_id, new=new, texts=texts)
    if existing:
        update_rows(
            session,
            RECORDS,
            [{"pk": state.pk, **state.row_values(team_id=team_id)} for state in existing],
            key="pk",
            texts=texts,
        )
    if batch.versions:
        insert_rows(
            session,
            VERSIONS,
            [{**version, "record_pk": batch.records[record_id].pk} for record_id, version in batch.versions],
            texts=texts,
        )
    if batch.applied:
        insert_rows(
            session,
            APPLIED,
            [
                {
                    "user_id": batch.principal.user_id,
                    "device_id": batch.principal.device_id,
                    "op_id": result.op_id,
                    "result": result_to_stored(result),
                    "record_pk": batch.records[result.record_id].pk
                    if result.record_id in batch.records
                    else None,
                    "created_at": batch.now,
                }
                for result in batch.applied
            ],
        )
    if changed:
        store_team_counter(session, team_id=team_id, last_seq=last_seq + len(changed))


def _insert_records(session: Session, *, team_id: str, new: list[RecordState], texts: JsonTexts) -> None:
    rows = [state.row_values(team_id=team_id) for state in new]
    if session.get_bind().dialect.name == "postgresql":
        keys = insert_rows(session, RECORDS, rows, returning=("pk", "record_id"))
        pks = {record_id: pk for pk, record_id in keys}
        for state in new:
            state.pk = pks[state.record_id]
        return
    # SQLite: the batch holds the database's write lock, so nobody else can take the keys after
    # the current largest; giving them out here saves reading the new rows back.
    start = int(session.execute(select(func.max(RECORDS.c.pk))).scalar() or 0)
    for offset, (state, row) in enumerate(zip(new, rows, strict=True), start=1):
        state.pk = row["pk"] = start + offset
    insert_rows(session, RECORDS, rows, texts=texts)
