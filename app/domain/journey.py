"""The job seeker's journey before work (issue 15): when the job search starts.

The job seeker chooses when their job search starts (`JobSeeker.job_search_started_on`); until they
do, it starts on the referral date. That day starts the 30-day clock to the first face-to-face
employer contact (app.domain.rules.DAYS_TO_FIRST_EMPLOYER_CONTACT).
"""

from __future__ import annotations

from datetime import date

from app.domain.records import JobSeeker


def job_search_start(seeker: JobSeeker) -> date | None:
    """The day the job search started: the job seeker's choice, else the referral date."""
    return seeker.job_search_started_on or seeker.referral_date
