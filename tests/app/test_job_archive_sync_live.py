"""A job archived on the phone through the real API: its delete syncs (the server keeps it as a
tombstone), a check-in about it saved after the archive is refused on job_id and stays on the
phone, and the Undo syncs it back as it was; the job seeker cannot be archived while the job is
live."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.domain.clock import FakeClock, new_id
from app.domain.records import Job, SupportCheckIn
from app.domain.validation import NOT_THIS_WORKERS_JOB
from app.records import RecordService
from app.state.detail import RecordDetailState
from server.db.database import Database
from server.db.models import RecordRow
from tests.sync.harness import ServerProcess, enroll_device, make_team
from tests.sync.records import employer, job_seeker, save


def _on_server(database: Database, record_id: str) -> tuple[bool, dict[str, object] | None]:
    with database.read() as session:
        row = session.execute(select(RecordRow).where(RecordRow.record_id == record_id)).scalar_one()
        return row.deleted, row.data


def test_a_job_archived_on_the_phone_syncs_and_its_undo_brings_it_back(
    server: ServerProcess, database: Database
) -> None:
    team = make_team(database)
    team.add("alice")
    device = enroll_device(server, team, "alice")
    service = RecordService(device.store, clock=FakeClock(datetime.now(UTC)), new_id=new_id)
    bakery, kim = employer(), job_seeker("KT-07")
    for record in (bakery, kim):
        save(device.store, record)
    job = Job(
        id=new_id(), job_seeker_id=kim.id, employer_id=bakery.id, title="Baker", started_on=date(2026, 3, 2)
    )
    save(device.store, job)
    assert device.engine.sync_once().rejected == 0
    assert _on_server(database, job.id)[0] is False
    assert not RecordDetailState(service, "job_seeker", kim.id).can_archive  # a live job names her

    undo = RecordDetailState(service, "job", job.id).archive()
    late = SupportCheckIn(
        id=new_id(), job_seeker_id=kim.id, job_id=job.id, occurred_at=datetime.now(UTC) - timedelta(hours=1)
    )  # written on another screen before the archive, saved after it
    save(device.store, late)
    report = device.engine.sync_once()
    assert (report.pushed, report.rejected) == (2, 1)
    assert _on_server(database, job.id) == (True, None)  # a tombstone: the record and its versions kept
    refused = device.store.get("support_check_in", late.id)
    assert refused is not None and refused.sync.field_errors == {"job_id": NOT_THIS_WORKERS_JOB}

    assert undo.undo()
    assert device.engine.sync_once().rejected == 0
    deleted, data = _on_server(database, job.id)
    assert deleted is False and data is not None and data["title"] == "Baker"
    assert [row.job_id for row in RecordDetailState(service, "job_seeker", kim.id).jobs] == [job.id]
