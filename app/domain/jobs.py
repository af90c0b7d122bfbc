"""Jobs held (issue 15): which are current, how long each lasted, whether it is competitive work,
and what a job seeker's record says when a job starts or ends.

A job is current until it has an end date. A person may hold two at once. The job seeker's status
follows their jobs: "working" while any job is current. When the last current job ends, the job
search starts again on the end date: the phone stores that day as the job seeker's
`job_search_started_on` (so the 30-day first-contact clock restarts, and the server and the other
phones see the same date). The job seeker's fields from before issue 15 (`current_employer_id`,
`job_started_on`) are kept in step with the latest current job, for what still reads them (the
in-work support schedule on Today).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from app.domain.enums import SeekerStatus
from app.domain.records import Job, JobOpening, JobSeeker
from app.domain.rules import hourly_wage, is_competitive

HELD_LONG_DAYS = 90  # IPS: a job held 90 days or more


def _as_opening(job: Job) -> JobOpening:
    return JobOpening(
        wage=job.wage, wage_unit=job.wage_unit, hours_per_week=job.hours_per_week, market=job.market
    )


def job_hourly_wage(job: Job) -> float | None:
    """The job's pay per hour, converted like an opening's (None when it cannot be)."""
    return hourly_wage(_as_opening(job))


def is_competitive_job(job: Job, *, minimum_wage: float) -> bool:
    """The opening's rule: open to anyone (not set aside) and paying at least the minimum wage."""
    return is_competitive(_as_opening(job), minimum_wage=minimum_wage)


def is_current(job: Job) -> bool:
    return job.ended_on is None


def tenure_days(job: Job, today: date) -> int | None:
    """Days from the start to the end (or to today while current); None without a start."""
    if job.started_on is None:
        return None
    return max(0, ((job.ended_on or today) - job.started_on).days)


def tenure_text(job: Job, today: date) -> str:
    days = tenure_days(job, today)
    if days is None:
        return ""
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 92:
        return f"{days // 7} weeks"
    assert job.started_on is not None  # tenure_days gave a number
    end = job.ended_on or today
    start = job.started_on
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return f"{months} months"  # completed months


def jobs_of(jobs: Iterable[Job], seeker_id: str) -> list[Job]:
    """One job seeker's jobs: current ones first (latest start first), then past ones (latest end
    first)."""
    mine = [job for job in jobs if job.job_seeker_id == seeker_id]
    current = sorted((j for j in mine if is_current(j)), key=lambda j: j.started_on or date.min, reverse=True)
    past = sorted(
        (j for j in mine if not is_current(j)),
        key=lambda j: (j.ended_on or date.min, j.started_on or date.min),
        reverse=True,
    )
    return current + past


def current_job_at(jobs: Iterable[Job], seeker_id: str, employer_id: str | None) -> Job | None:
    """The job a check-in is about by default: the current job at that employer, else the only
    current job (None when there is none, or two and no employer to choose by)."""
    current = [job for job in jobs_of(jobs, seeker_id) if is_current(job)]
    at_employer = [job for job in current if employer_id and job.employer_id == employer_id]
    if at_employer:
        return at_employer[0]
    return current[0] if len(current) == 1 else None


def seeker_after_jobs_change(seeker: JobSeeker, jobs: Iterable[Job]) -> JobSeeker:
    """The job seeker as their jobs now say (`jobs`: all their jobs, the changed one included).

    Any current job: working, with the latest current job's employer and start. None, when they
    were working: the job search starts again on the latest end date. Otherwise unchanged."""
    mine = jobs_of(jobs, seeker.id)
    current = [job for job in mine if is_current(job)]
    if current:
        latest = current[0]
        return replace(
            seeker,
            status=SeekerStatus.WORKING,
            current_employer_id=latest.employer_id,
            job_started_on=latest.started_on,
        )
    if seeker.status is not SeekerStatus.WORKING and seeker.current_employer_id is None:
        return seeker
    ended = [job.ended_on for job in mine if job.ended_on is not None]
    return replace(
        seeker,
        status=SeekerStatus.JOB_SEARCHING,
        current_employer_id=None,
        job_started_on=None,
        job_search_started_on=max(ended) if ended else seeker.job_search_started_on,
    )
