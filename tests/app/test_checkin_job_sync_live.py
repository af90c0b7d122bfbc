"""A phone's check-in and job through the real API: the outbox pushes records in the order they were
first saved (a later edit of the job keeps its place), so a job and its check-in saved together are
accepted in one push; a check-in naming a job that is not its worker's is refused and stays on the
phone with the reason on `job_id`, nothing typed lost."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from app.domain.clock import new_id
from app.domain.records import Job, SupportCheckIn
from app.domain.validation import NOT_THIS_WORKERS_JOB
from server.db.database import Database
from tests.sync.harness import ServerProcess, enroll_device, make_team
from tests.sync.records import employer, job_seeker, save


def test_a_job_and_its_check_in_sync_together_and_a_wrong_job_stays_with_the_reason(
    server: ServerProcess, database: Database
) -> None:
    team = make_team(database)
    team.add("alice")
    device = enroll_device(server, team, "alice")
    bakery, kim, lee = employer(), job_seeker("KT-07"), job_seeker("KT-08")
    for record in (bakery, kim, lee):
        save(device.store, record)
    kims = Job(
        id=new_id(), job_seeker_id=kim.id, employer_id=bakery.id, title="Baker", started_on=date(2026, 3, 2)
    )
    save(device.store, kims)
    when = datetime.now(UTC) - timedelta(hours=1)
    good = SupportCheckIn(id=new_id(), job_seeker_id=kim.id, job_id=kims.id, occurred_at=when)
    save(device.store, good)
    save(device.store, replace(kims, title="Head baker"))  # an edit after the check-in: same place
    # Slipped past the form somehow: Lee's check-in about Kim's job.
    wrong = SupportCheckIn(
        id=new_id(), job_seeker_id=lee.id, job_id=kims.id, occurred_at=when, concerns="Tired"
    )
    save(device.store, wrong)

    report = device.engine.sync_once()

    assert (report.pushed, report.rejected) == (6, 1)
    for kind, record_id in (("job", kims.id), ("support_check_in", good.id)):
        stored = device.store.get(kind, record_id)
        assert stored is not None and stored.sync.state == "synced", (kind, stored)
    refused = device.store.get("support_check_in", wrong.id)
    assert refused is not None and refused.sync.state == "rejected"
    assert refused.sync.field_errors == {"job_id": NOT_THIS_WORKERS_JOB}
    assert refused.data["concerns"] == "Tired"  # nothing the specialist typed is lost
