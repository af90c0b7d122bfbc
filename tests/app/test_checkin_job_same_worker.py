"""On the phone, a check-in's job must be one of the chosen worker's jobs (the server refuses any
other with the same words): only the worker's jobs are offered, another's is refused before saving
with the reason on the job field, and an old check-in whose job was deleted since can still be
edited while its job and worker stay as they were."""

from __future__ import annotations

from datetime import date

from app.domain.records import Job
from app.domain.validation import NOT_THIS_WORKERS_JOB
from app.state.checkin_form import CheckInFormState


def _job(service, seeker_id: str, employer_id: str) -> Job:
    saved = service.save(
        Job(job_seeker_id=seeker_id, employer_id=employer_id, title="Barista", started_on=date(2026, 3, 2))
    )
    record = service.load("job", saved.data["id"])
    assert isinstance(record, Job)
    return record


def test_only_the_workers_own_jobs_are_offered_and_another_is_refused(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    kim, lee = add_seeker("KD-101"), add_seeker("KD-102")
    kims, lees = _job(service, kim.id, cafe.id), _job(service, lee.id, cafe.id)
    form = CheckInFormState(service, job_seeker_id=kim.id)
    assert [job.id for job in form.jobs] == [kims.id] and form.text("job_id") == kims.id

    for wrong in (lees.id, "no-such-job"):
        form.select_job(wrong)
        result = form.on_save()
        assert not result.ok and result.errors == {"job_id": NOT_THIS_WORKERS_JOB}
        assert result.message == f"Not saved. Job: {NOT_THIS_WORKERS_JOB}."  # the chips show no error
    form.select_job(kims.id)
    assert form.on_save().ok


def test_changing_the_worker_keeps_the_rule(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    kim, lee = add_seeker("KD-101"), add_seeker("KD-102")
    kims = _job(service, kim.id, cafe.id)
    form = CheckInFormState(service, job_seeker_id=kim.id)
    saved = form.on_save().saved
    assert saved is not None and saved.data["job_id"] == kims.id
    edit = CheckInFormState(service, base=service.load("support_check_in", saved.data["id"]))
    edit.set_field("job_seeker_id", lee.id)  # typed over, the job left as it was
    result = edit.on_save()
    assert not result.ok and result.errors == {"job_id": NOT_THIS_WORKERS_JOB}


def test_an_old_check_in_whose_job_was_deleted_can_still_be_edited(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    kim = add_seeker()
    kims = _job(service, kim.id, cafe.id)
    saved = CheckInFormState(service, job_seeker_id=kim.id).on_save().saved
    assert saved is not None and saved.data["job_id"] == kims.id
    # Jobs are not archived from the phone: the delete arrives as a tombstone (another device's).
    service.store.delete("job", kims.id, op_id="tombstone", queued_at="2026-05-01T10:00:00+00:00")
    edit = CheckInFormState(service, base=service.load("support_check_in", saved.data["id"]))
    assert edit.jobs == []
    edit.set_field("concerns", "Late twice")
    assert edit.on_save().ok
