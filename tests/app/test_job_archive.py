"""Archiving jobs on the phone: a job entered by mistake is archived from its page with the same
Undo as the other records (it leaves the job seeker's page and the check-in's job choice, its
delete is queued, Undo brings it back); a job seeker is not archived while a job names them, so no
job stays live for an archived seeker (archive the mistaken job first, or set the status to Ended).
Archiving a job, or undoing that, brings the job seeker's status in step with the jobs left, as a
saved job form does: no one stays "Working" for a job archived as a mistake."""

from __future__ import annotations

from datetime import date

from app.device_sync import remember_code_format
from app.domain.enums import JobEndReason, SeekerStatus
from app.domain.records import Job, JobSeeker
from app.state.checkin_form import CheckInFormState
from app.state.detail import RecordDetailState
from app.state.job_seekers import JobSeekersState
from app.state.jobs import JobEndFormState, JobStartFormState


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


def _started(service, seeker_id: str, employer_id: str, *, on: date) -> str:
    form = JobStartFormState(service, job_seeker_id=seeker_id)
    form.set_field("employer_id", employer_id)
    form.set_field("title", "Baker")
    form.set_field("started_on", on.isoformat())
    result = form.on_save()
    assert result.ok and result.saved is not None, result.errors
    return str(result.saved.data["id"])


def _seeker(service, seeker_id: str) -> JobSeeker:
    seeker = service.load("job_seeker", seeker_id)
    assert isinstance(seeker, JobSeeker)
    return seeker


def test_archiving_the_only_current_job_ends_working_and_undo_brings_it_back(
    service, store, add_employer, add_seeker
):
    bakery, kim = add_employer("Harbour Bakery"), add_seeker("KT-07")
    job_id = _started(service, kim.id, bakery.id, on=date(2026, 3, 2))
    working = _seeker(service, kim.id)
    assert (working.status, working.current_employer_id) == (SeekerStatus.WORKING, bakery.id)

    undo = RecordDetailState(service, "job", job_id).archive()  # entered by mistake
    searching = _seeker(service, kim.id)
    assert (searching.status, searching.current_employer_id, searching.job_started_on) == (
        SeekerStatus.JOB_SEARCHING,
        None,
        None,
    )
    queued = [e for e in store.outbox() if e.record_id == kim.id]
    assert queued and not queued[-1].deleted  # the seeker's change goes to the server too

    assert undo.undo()
    back = _seeker(service, kim.id)
    assert (back.status, back.current_employer_id, back.job_started_on) == (
        SeekerStatus.WORKING,
        bakery.id,
        date(2026, 3, 2),
    )


def test_archiving_a_past_job_or_one_of_two_current_jobs_keeps_the_seeker_as_the_rest_say(
    service, add_employer, add_seeker
):
    bakery, cafe, kim = add_employer("Harbour Bakery"), add_employer("Quay Cafe"), add_seeker("KT-07")
    first = _started(service, kim.id, bakery.id, on=date(2026, 1, 5))
    ended = JobEndFormState(service, base=service.load("job", first))
    ended.set_field("ended_on", "2026-02-27")
    ended.set_field("end_reason", JobEndReason.QUIT.value)
    assert ended.on_save().ok
    second = _started(service, kim.id, cafe.id, on=date(2026, 3, 2))
    third = _started(service, kim.id, bakery.id, on=date(2026, 3, 9))
    assert _seeker(service, kim.id).current_employer_id == bakery.id  # the latest current job

    RecordDetailState(service, "job", first).archive()  # a past job: nothing to change
    assert _seeker(service, kim.id).current_employer_id == bakery.id
    RecordDetailState(service, "job", third).archive()  # still working, at the other job
    seeker = _seeker(service, kim.id)
    assert (seeker.status, seeker.current_employer_id, seeker.job_started_on) == (
        SeekerStatus.WORKING,
        cafe.id,
        date(2026, 3, 2),
    )
    assert second in {job.id for job in service.all("job", Job)}


def test_a_seeker_record_the_team_format_now_refuses_stays_as_it_was_and_the_job_form_says_so(
    service, store, add_employer, add_seeker
):
    bakery, cafe, kim = add_employer("Harbour Bakery"), add_employer("Quay Cafe"), add_seeker("KT-07")
    job_id = _started(service, kim.id, bakery.id, on=date(2026, 3, 2))
    remember_code_format(store, "mask:AA-999")  # KT-07 no longer fits the team's pattern

    RecordDetailState(service, "job", job_id).archive()
    assert service.all("job", Job) == []  # the job's archive stands
    assert _seeker(service, kim.id).status is SeekerStatus.WORKING  # its record was refused: as it was

    form = JobStartFormState(service, job_seeker_id=kim.id)
    form.set_field("employer_id", cafe.id)
    form.set_field("title", "Barista")
    form.set_field("started_on", "2026-03-09")
    result = form.on_save()
    assert result.ok
    assert result.message == "Job saved. Edit KT-07 to update their status: their record has a problem."
