"""Archiving jobs on the phone: a job entered by mistake is archived from its page with the same
Undo as the other records (it leaves the job seeker's page and the check-in's job choice, its
delete is queued, Undo brings it back); a job seeker is not archived while a job names them, so no
job stays live for an archived seeker (archive the mistaken job first, or set the status to Ended)."""

from __future__ import annotations

from datetime import date

from app.domain.records import Job
from app.state.checkin_form import CheckInFormState
from app.state.detail import RecordDetailState
from app.state.job_seekers import JobSeekersState


def _job(service, seeker_id: str, employer_id: str) -> str:
    job = Job(job_seeker_id=seeker_id, employer_id=employer_id, title="Baker", started_on=date(2026, 3, 2))
    return str(service.save(job).data["id"])


def _choices(service, seeker_id: str) -> list[str]:
    form = CheckInFormState(service)
    form.select_job_seeker(seeker_id)
    return [job.id for job in form.jobs]


def test_a_job_is_archived_from_its_page_and_undo_brings_it_back(service, store, add_employer, add_seeker):
    bakery, kim = add_employer("Harbour Bakery"), add_seeker("KT-07")
    job_id = _job(service, kim.id, bakery.id)
    before = store.get("job", job_id)
    assert before is not None and _choices(service, kim.id) == [job_id]

    page = RecordDetailState(service, "job", job_id)
    assert page.can_archive
    undo = page.archive()
    assert undo.message == "Job archived: Baker" and not page.found
    assert RecordDetailState(service, "job_seeker", kim.id).jobs == []
    assert _choices(service, kim.id) == []
    assert [e.deleted for e in store.outbox() if e.record_id == job_id] == [True]

    assert undo.undo() and not undo.undo()
    after = store.get("job", job_id)
    assert after is not None and not after.deleted and after.data == before.data
    assert [row.job_id for row in RecordDetailState(service, "job_seeker", kim.id).jobs] == [job_id]
    assert [e.deleted for e in store.outbox() if e.record_id == job_id] == [False]  # one op, no duplicate


def test_a_job_seeker_with_a_job_is_not_archived_until_the_job_is(service, add_employer, add_seeker):
    bakery, kim = add_employer("Harbour Bakery"), add_seeker("KT-07")
    job_id = _job(service, kim.id, bakery.id)
    seeker_page = RecordDetailState(service, "job_seeker", kim.id)
    assert not seeker_page.can_archive
    assert "archive a job entered by mistake first" in (service.archive_refusal("job_seeker", kim.id) or "")

    RecordDetailState(service, "job", job_id).archive()  # the job was the mistake: archive it first
    assert RecordDetailState(service, "job_seeker", kim.id).can_archive
    RecordDetailState(service, "job_seeker", kim.id).archive()
    assert [row.code for row in JobSeekersState(service).rows] == []
    assert service.all("job", Job) == []  # nothing live left naming the archived seeker
