"""Jobs held on the phone (issue 15): "Job started" and "Job ended" bring the job seeker's status in
step (working while a job is current; the job search starts again on the last end date), two jobs
at once, the job seeker's list (current first, with tenure), and the check-in's job choice."""

from __future__ import annotations

from datetime import date

from app.domain.enums import JobEndReason, Market, OpeningStatus, SeekerStatus, WageUnit
from app.domain.records import Job, JobOpening, JobSeeker, SupportCheckIn
from app.state.checkin_form import CheckInFormState
from app.state.detail import RecordDetailState
from app.state.jobs import JobEndFormState, JobStartFormState
from tests.app.conftest import NOW


def _start(service, seeker_id, employer_id, *, title, on, **values):
    form = JobStartFormState(service, job_seeker_id=seeker_id)
    form.set_field("employer_id", employer_id)
    form.set_field("title", title)
    form.set_field("started_on", on.isoformat())
    for name, value in values.items():
        form.set_field(name, value)
    result = form.on_save()
    assert result.ok, result.errors
    job = service.load("job", result.saved.data["id"])
    assert isinstance(job, Job)
    return job


def _end(service, job, *, on, reason):
    form = JobEndFormState(service, base=job)
    form.set_field("ended_on", on.isoformat())
    form.set_field("end_reason", reason)
    return form.on_save()


def _seeker(service, seeker_id) -> JobSeeker:
    seeker = service.load("job_seeker", seeker_id)
    assert isinstance(seeker, JobSeeker)
    return seeker


def test_two_jobs_at_once_then_both_end_and_the_job_search_starts_again(service, add_employer, add_seeker):
    cafe, shop = add_employer("Riverside Café"), add_employer("Corner Shop")
    kim = add_seeker("KD-101", status=SeekerStatus.JOB_SEARCHING)
    first = _start(
        service, kim.id, cafe.id, title="Barista", on=date(2026, 2, 2), wage="12.50", hours_per_week="16"
    )
    assert _seeker(service, kim.id).status is SeekerStatus.WORKING
    second = _start(service, kim.id, shop.id, title="Shelf stacker", on=date(2026, 4, 20))
    seeker = _seeker(service, kim.id)
    assert (seeker.status, seeker.current_employer_id, seeker.job_started_on) == (
        SeekerStatus.WORKING,
        shop.id,
        date(2026, 4, 20),
    )

    assert _end(service, second, on=date(2026, 4, 30), reason=JobEndReason.TEMPORARY_ENDED.value).ok
    seeker = _seeker(service, kim.id)
    assert (
        seeker.status is SeekerStatus.WORKING and seeker.current_employer_id == cafe.id
    )  # the café job goes on
    assert seeker.job_search_started_on is None

    assert _end(service, first, on=date(2026, 5, 1), reason=JobEndReason.BETTER_JOB.value).ok
    seeker = _seeker(service, kim.id)
    assert (seeker.status, seeker.job_search_started_on, seeker.current_employer_id) == (
        SeekerStatus.JOB_SEARCHING,
        date(2026, 5, 1),
        None,
    )


def test_a_job_end_needs_its_reason_and_cannot_come_before_the_start(service, add_employer, add_seeker):
    kim = add_seeker()
    job = _start(service, kim.id, add_employer().id, title="Porter", on=date(2026, 3, 2))
    result = _end(service, job, on=date(2026, 3, 1), reason="")
    assert set(result.errors) == {"ended_on", "end_reason"}
    assert _seeker(service, kim.id).status is SeekerStatus.WORKING  # nothing changed


def test_the_job_seekers_page_lists_current_jobs_first_with_tenure(service, add_employer, add_seeker):
    cafe, shop = add_employer("Riverside Café"), add_employer("Corner Shop")
    kim = add_seeker()
    old = _start(service, kim.id, shop.id, title="Cleaner", on=date(2025, 6, 2))
    _end(service, old, on=date(2025, 12, 1), reason=JobEndReason.QUIT.value)
    _start(service, kim.id, cafe.id, title="Barista", on=date(2026, 1, 5), wage="12.50", hours_per_week="20")
    page = RecordDetailState(service, "job_seeker", kim.id)
    assert [(row.title, row.current) for row in page.jobs] == [
        ("Barista at Riverside Café", True),
        ("Cleaner at Corner Shop", False),
    ]
    assert (
        page.jobs[0].detail == "Since Mon 5 Jan 2026 · 3 months · 20 h a week · £12.50 per hour · competitive"
    )
    assert "5 months" in page.jobs[1].detail and "Left the job" in page.jobs[1].detail
    job_page = RecordDetailState(service, "job", page.jobs[0].job_id)
    assert ("Wage", "£12.50 per hour") in job_page.rows and job_page.title == "Barista"


def test_a_job_started_from_an_opening_takes_its_employer_title_and_pay(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    kim = add_seeker()
    stored = service.save(
        JobOpening(
            employer_id=cafe.id,
            title="Kitchen porter",
            wage=400.0,
            wage_unit=WageUnit.WEEK,
            hours_per_week=30.0,
            market=Market.OPEN_MARKET,
            status=OpeningStatus.INTERVIEW,
            job_seeker_ids=[kim.id],
            noted_on=date(2026, 4, 1),
        )
    )
    form = JobStartFormState(service, job_seeker_id=kim.id)
    form.choose_opening(stored.data["id"])
    assert (form.text("employer_id"), form.text("title"), form.text("wage"), form.text("wage_unit")) == (
        cafe.id,
        "Kitchen porter",
        "400",
        "week",
    )
    job = service.load("job", form.on_save().saved.data["id"])
    assert isinstance(job, Job) and job.opening_id == stored.data["id"] and job.started_on == NOW.date()


def test_a_check_in_belongs_to_the_current_job_at_its_employer(service, add_employer, add_seeker):
    cafe, shop = add_employer("Riverside Café"), add_employer("Corner Shop")
    kim = add_seeker()
    barista = _start(service, kim.id, cafe.id, title="Barista", on=date(2026, 2, 2))
    stacker = _start(service, kim.id, shop.id, title="Shelf stacker", on=date(2026, 4, 20))

    form = CheckInFormState(service, job_seeker_id=kim.id)
    # The latest job's employer is filled in, and its job chosen; both jobs are offered.
    assert (form.text("employer_id"), form.text("job_id")) == (shop.id, stacker.id)
    assert [job.id for job in form.jobs] == [stacker.id, barista.id]
    form.select_job(barista.id)
    assert form.text("employer_id") == cafe.id
    check_in = service.load("support_check_in", form.on_save().saved.data["id"])
    assert isinstance(check_in, SupportCheckIn) and check_in.job_id == barista.id

    nobody = add_seeker("KD-102")
    form = CheckInFormState(service, job_seeker_id=nobody.id)
    assert form.jobs == [] and form.text("job_id") == ""
