"""Jobs held (issue 15): validation, the competitive rule (the opening's), current jobs and tenure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.enums import JobEndReason, Market, SeekerStatus, WageUnit
from app.domain.jobs import current_job_at, is_competitive_job, jobs_of, seeker_after_jobs_change, tenure_days
from app.domain.records import EmployerDisclosure, Job, JobSeeker
from app.domain.validation import validate

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def job(**fields: object) -> Job:
    base: dict[str, object] = {"job_seeker_id": "s1", "employer_id": "e1", "started_on": date(2026, 3, 2)}
    return Job(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, set()),
        (
            {"job_seeker_id": "", "employer_id": "", "started_on": None},
            {"job_seeker_id", "employer_id", "started_on"},
        ),
        ({"ended_on": date(2026, 3, 1), "end_reason": JobEndReason.QUIT}, {"ended_on"}),
        ({"ended_on": date(2026, 3, 2), "end_reason": JobEndReason.QUIT}, set()),  # a one-day job
        ({"ended_on": date(2026, 4, 1)}, {"end_reason"}),
        ({"end_reason": JobEndReason.DISMISSED}, {"ended_on"}),
        ({"wage": -1.0, "hours_per_week": -2.0}, {"wage", "hours_per_week"}),
        ({"wage": 0.0, "hours_per_week": 0.0}, set()),
        ({"ended_on": date(2026, 6, 1), "end_reason": JobEndReason.QUIT}, {"ended_on"}),  # not yet
    ],
)
def test_job_validation(fields, errors):
    assert set(validate(job(**fields), now=NOW)) == errors


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"decided_on": date(2026, 4, 1)}, set()),
        ({"job_seeker_id": "", "employer_id": ""}, {"job_seeker_id", "employer_id", "decided_on"}),
        ({"decided_on": date(2026, 4, 1), "revoked_on": date(2026, 3, 31)}, {"revoked_on"}),
        ({"decided_on": date(2026, 4, 1), "revoked_on": date(2026, 4, 1)}, set()),
    ],
)
def test_employer_disclosure_validation(fields, errors):
    decision = EmployerDisclosure(**{"job_seeker_id": "s1", "employer_id": "e1", **fields})  # type: ignore[arg-type]
    assert set(validate(decision, now=NOW)) == errors


@pytest.mark.parametrize(
    ("fields", "competitive"),
    [
        ({"wage": 12.21}, True),  # the minimum, per hour
        ({"wage": 12.20}, False),
        ({"wage": 500.0, "wage_unit": WageUnit.WEEK, "hours_per_week": 40.0}, True),  # 12.50 an hour
        ({"wage": 400.0, "wage_unit": WageUnit.WEEK, "hours_per_week": 40.0}, False),  # 10.00
        ({"wage": 400.0, "wage_unit": WageUnit.WEEK}, False),  # no hours: cannot tell
        ({"wage": 15.0, "market": Market.SET_ASIDE}, False),
        ({}, False),
    ],
)
def test_a_job_is_competitive_by_the_openings_rule(fields, competitive):
    assert is_competitive_job(job(**fields), minimum_wage=12.21) is competitive


def test_current_jobs_come_first_and_tenure_counts_to_the_end_or_today():
    old = job(
        id="a", started_on=date(2025, 1, 6), ended_on=date(2025, 4, 6), end_reason=JobEndReason.LAID_OFF
    )
    now_a = job(id="b", started_on=date(2026, 1, 5))
    now_b = job(id="c", employer_id="e2", started_on=date(2026, 3, 2))
    other = job(id="d", job_seeker_id="s2")
    assert [j.id for j in jobs_of([old, now_a, other, now_b], "s1")] == ["c", "b", "a"]
    assert tenure_days(old, date(2026, 5, 4)) == 90 and tenure_days(now_a, date(2026, 5, 4)) == 119
    assert current_job_at([old, now_a, now_b], "s1", "e1") == now_a
    assert current_job_at([old, now_a, now_b], "s1", None) is None  # two: the employer decides
    assert current_job_at([old, now_a], "s1", None) == now_a


def test_the_job_seeker_follows_their_jobs():
    seeker = JobSeeker(id="s1", code="KD", status=SeekerStatus.ENGAGED, referral_date=date(2025, 1, 1))
    working = seeker_after_jobs_change(seeker, [job()])
    assert (working.status, working.current_employer_id, working.job_started_on) == (
        SeekerStatus.WORKING,
        "e1",
        date(2026, 3, 2),
    )
    ended = job(ended_on=date(2026, 4, 30), end_reason=JobEndReason.QUIT)
    searching = seeker_after_jobs_change(working, [ended])
    assert (searching.status, searching.job_search_started_on, searching.current_employer_id) == (
        SeekerStatus.JOB_SEARCHING,
        date(2026, 4, 30),
        None,
    )
    # Someone not working whose past job is edited keeps their status.
    assert seeker_after_jobs_change(searching, [ended]) == searching
