"""A job start or end logged from a check-in (issue 15): the check-in form opens the job seeker
page's own "Job started" / "Job ended" forms, and after their save the check-in form is as typed,
its job choice read again (a new job chosen), the job seeker's status and job-search clock in step."""

from __future__ import annotations

from datetime import date

from app.domain.enums import CheckInWith, JobEndReason, SeekerStatus
from app.domain.records import Job, JobSeeker, SupportCheckIn
from app.state.checkin_form import CheckInFormState
from app.state.jobs import JobStartFormState

TYPED = {
    "occurred_at": "2026-05-01 10:15",
    "topics": "hours, travel",
    "concerns": "Finds the early shifts hard",
    "next_check_in_on": "2026-05-08",
    "with_whom": CheckInWith.BOTH.value,
}


def _type_check_in(form: CheckInFormState) -> None:
    for name, value in TYPED.items():
        form.set_field(name, value)


def _kept(form: CheckInFormState) -> dict[str, str]:
    return {name: form.text(name) for name in TYPED}


def _load(service, kind, record_id):
    record = service.load(kind, record_id)
    assert record is not None
    return record


def test_new_job_started_from_a_check_in_is_chosen_and_the_typed_check_in_is_kept(
    service, add_employer, add_seeker
):
    cafe, shop = add_employer("Riverside Café"), add_employer("Corner Shop")
    kim = add_seeker(status=SeekerStatus.JOB_SEARCHING)
    form = CheckInFormState(service, job_seeker_id=kim.id)
    form.select_employer(shop.id)
    _type_check_in(form)
    assert form.jobs == [] and not form.can_end_job()

    start = form.job_started_form()
    # Prefilled with the worker and the check-in's employer.
    assert (start.text("job_seeker_id"), start.text("employer_id")) == (kim.id, shop.id)
    start.set_field("title", "Shelf stacker")
    start.set_field("started_on", "2026-04-27")
    result = start.on_save()
    assert result.ok, result.errors
    form.job_form_saved(start)

    job = _load(service, "job", result.saved.data["id"])
    assert isinstance(job, Job) and (job.job_seeker_id, job.employer_id, job.started_on) == (
        kim.id,
        shop.id,
        date(2026, 4, 27),
    )
    seeker = _load(service, "job_seeker", kim.id)
    assert isinstance(seeker, JobSeeker)
    assert (seeker.status, seeker.current_employer_id) == (SeekerStatus.WORKING, shop.id)
    # The check-in lists the new job and has chosen it; nothing typed was lost.
    assert [j.id for j in form.jobs] == [job.id] and form.text("job_id") == job.id
    assert form.text("employer_id") == shop.id and form.can_end_job()
    assert _kept(form) == TYPED
    worker = form.selected_job_seeker()
    assert worker is not None and worker.status is SeekerStatus.WORKING  # workers are listed first

    # A second job with another employer: the check-in's job (and employer) follow the new one.
    other = form.job_started_form()
    other.set_field("employer_id", cafe.id)
    other.set_field("title", "Barista")
    assert other.on_save().ok
    form.job_form_saved(other)
    assert form.text("job_id") == other.saved.data["id"] and form.text("employer_id") == cafe.id
    assert {j.id for j in form.jobs} == {job.id, other.saved.data["id"]}

    check_in = _load(service, "support_check_in", form.on_save().saved.data["id"])
    assert isinstance(check_in, SupportCheckIn)
    assert (check_in.job_id, check_in.topics, check_in.concerns) == (
        other.saved.data["id"],
        ["hours", "travel"],
        "Finds the early shifts hard",
    )


def test_job_ended_from_a_check_in_ends_on_its_day_and_the_job_search_starts_again(
    service, add_employer, add_seeker
):
    cafe = add_employer("Riverside Café")
    kim = add_seeker(status=SeekerStatus.JOB_SEARCHING)
    start = JobStartFormState(service, job_seeker_id=kim.id)
    for name, value in {"employer_id": cafe.id, "title": "Barista", "started_on": "2026-02-02"}.items():
        start.set_field(name, value)
    job_id = start.on_save().saved.data["id"]

    form = CheckInFormState(service, job_seeker_id=kim.id)
    assert form.text("job_id") == job_id and form.can_end_job()
    _type_check_in(form)

    end = form.job_ended_form()
    assert end.job.id == job_id and end.text("ended_on") == "2026-05-01"  # the check-in's day
    refused = end.on_save()  # no reason yet: refused, nothing changes
    assert not refused.ok and set(refused.errors) == {"end_reason"}
    end.set_field("end_reason", JobEndReason.QUIT.value)
    assert end.on_save().ok
    form.job_form_saved(end)

    job = _load(service, "job", job_id)
    assert isinstance(job, Job) and (job.ended_on, job.end_reason) == (date(2026, 5, 1), JobEndReason.QUIT)
    seeker = _load(service, "job_seeker", kim.id)
    assert isinstance(seeker, JobSeeker)
    assert (seeker.status, seeker.job_search_started_on, seeker.current_employer_id) == (
        SeekerStatus.JOB_SEARCHING,
        date(2026, 5, 1),
        None,
    )
    # Back on the check-in: still about that job (now ended, so no second "Job ended"), as typed.
    assert form.text("job_id") == job_id and form.chosen_job().ended_on == date(2026, 5, 1)
    assert not form.can_end_job()
    assert _kept(form) == TYPED and form.text("employer_id") == cafe.id
    check_in = _load(service, "support_check_in", form.on_save().saved.data["id"])
    assert isinstance(check_in, SupportCheckIn) and check_in.job_id == job_id
    assert check_in.concerns == "Finds the early shifts hard"
