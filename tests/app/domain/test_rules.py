from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.enums import CheckInWith, ContactMode, Disclosure, Market, VisitPurpose, WageUnit
from app.domain.errors import DisclosureRefused
from app.domain.records import EmployerVisit, JobOpening, JobSeeker, SupportCheckIn
from app.domain.rules import (
    check_disclosure,
    counts_toward_fidelity,
    hourly_wage,
    is_competitive,
    next_support_due,
)

MINIMUM = 23.15  # e.g. an adult minimum wage per hour
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def opening(**changes):
    base = {"employer_id": "e1", "title": "Kitchen hand", "wage": 24.0, "hours_per_week": 20.0}
    return JobOpening(**(base | changes))


def test_an_open_market_job_at_minimum_wage_is_competitive():
    assert is_competitive(opening(wage=MINIMUM), minimum_wage=MINIMUM)


def test_a_job_below_minimum_wage_is_not_competitive():
    assert not is_competitive(opening(wage=MINIMUM - 0.01), minimum_wage=MINIMUM)


def test_a_set_aside_job_is_not_competitive_whatever_it_pays():
    assert not is_competitive(opening(market=Market.SET_ASIDE, wage=40.0), minimum_wage=MINIMUM)


def test_a_job_with_unknown_pay_is_not_counted_as_competitive():
    assert not is_competitive(opening(wage=None), minimum_wage=MINIMUM)
    assert not is_competitive(opening(wage_unit=WageUnit.WEEK, hours_per_week=None), minimum_wage=MINIMUM)


@pytest.mark.parametrize(
    ("wage", "unit", "hours", "hourly"),
    [
        (25.0, WageUnit.HOUR, None, 25.0),
        (500.0, WageUnit.WEEK, 20.0, 25.0),
        (2600.0, WageUnit.MONTH, 30.0, 20.0),
        (52000.0, WageUnit.YEAR, 40.0, 25.0),
    ],
)
def test_wages_convert_to_an_hourly_rate(wage, unit, hours, hourly):
    assert hourly_wage(opening(wage=wage, wage_unit=unit, hours_per_week=hours)) == pytest.approx(hourly)


def test_a_weekly_wage_is_judged_per_hour():
    # 20 h at 460/week is 23.00/h: below a 23.15 minimum even though the weekly sum looks large.
    assert not is_competitive(opening(wage=460.0, wage_unit=WageUnit.WEEK), minimum_wage=MINIMUM)


def test_only_face_to_face_visits_count_toward_the_weekly_fidelity_figure():
    assert counts_toward_fidelity(EmployerVisit(contact_mode=ContactMode.FACE_TO_FACE))
    for mode in (ContactMode.PHONE, ContactMode.EMAIL, ContactMode.VIDEO):
        assert not counts_toward_fidelity(EmployerVisit(contact_mode=mode))
    # In-work support is not job development, face to face or not (issue 15).
    support = EmployerVisit(contact_mode=ContactMode.FACE_TO_FACE, purpose=VisitPurpose.IN_WORK_SUPPORT)
    assert not counts_toward_fidelity(support)
    for purpose in set(VisitPurpose) - {VisitPurpose.IN_WORK_SUPPORT}:
        assert counts_toward_fidelity(EmployerVisit(contact_mode=ContactMode.FACE_TO_FACE, purpose=purpose))


SEEKERS = {
    "yes": JobSeeker(id="yes", code="AB-1", disclosure=Disclosure.CONSENTED),
    "no": JobSeeker(id="no", code="CD-2", disclosure=Disclosure.NOT_CONSENTED),
    "undecided": JobSeeker(id="undecided", code="EF-3", disclosure=Disclosure.UNDECIDED),
}


def test_linking_a_consenting_job_seeker_to_a_visit_is_allowed():
    check_disclosure(EmployerVisit(job_seeker_ids=["yes"]), SEEKERS)


def test_linking_a_non_consenting_job_seeker_to_a_visit_without_reason_is_refused():
    with pytest.raises(DisclosureRefused) as caught:
        check_disclosure(EmployerVisit(job_seeker_ids=["yes", "no", "undecided"]), SEEKERS)
    assert caught.value.job_seeker_codes == ["CD-2", "EF-3"]
    assert "has not agreed to disclose" in str(caught.value)


def test_an_explicit_reason_allows_the_link():
    check_disclosure(EmployerVisit(job_seeker_ids=["no"], disclosure_reason="She asked me to"), SEEKERS)


def test_a_blank_reason_is_no_reason():
    with pytest.raises(DisclosureRefused):
        check_disclosure(EmployerVisit(job_seeker_ids=["no"], disclosure_reason="  "), SEEKERS)


def test_a_check_in_with_the_worker_alone_needs_no_consent():
    check_disclosure(SupportCheckIn(job_seeker_id="no", with_whom=CheckInWith.WORKER), SEEKERS)


@pytest.mark.parametrize("with_whom", [CheckInWith.EMPLOYER, CheckInWith.BOTH])
def test_a_check_in_involving_the_employer_needs_consent(with_whom):
    with pytest.raises(DisclosureRefused):
        check_disclosure(SupportCheckIn(job_seeker_id="no", with_whom=with_whom, employer_id="e1"), SEEKERS)


def test_first_support_contact_is_due_three_days_after_the_start():
    start = date(2026, 11, 2)
    assert next_support_due(job_started_on=start, last_contact_on=None) == date(2026, 11, 5)


def test_support_is_weekly_in_the_first_month_then_monthly():
    start = date(2026, 11, 2)
    assert next_support_due(job_started_on=start, last_contact_on=date(2026, 11, 10)) == date(2026, 11, 17)
    assert next_support_due(job_started_on=start, last_contact_on=date(2026, 12, 5)) == date(2027, 1, 4)
