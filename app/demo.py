"""A small demo caseload in one town (Kendal), loaded only into an empty store.

Five employers with map locations, five job seekers with pseudonymous codes and mixed disclosure
choices, a few visits, openings and check-ins, and something due today. Issue 15: jobs started,
held (one over 90 days), ended with their reasons, two at once for KD-104; per-employer disclosure
decisions; and the journey before work and the preferences of a few job seekers (meetings,
benefits counselling, practical help, skills, hours and pay) for the screens that show them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from app.domain.enums import (
    BenefitsCounselling,
    CheckInPlace,
    CheckInWith,
    ContactMode,
    Disclosure,
    DisclosureDecision,
    FoundVia,
    GeotagSource,
    JobEndReason,
    OpeningStatus,
    Permanence,
    PracticalHelp,
    SeekerStatus,
    VisitPurpose,
    WageUnit,
)
from app.domain.records import (
    Employer,
    EmployerDisclosure,
    EmployerVisit,
    Geotag,
    Job,
    JobOpening,
    JobSeeker,
    SupportCheckIn,
)
from app.records import R, RecordService

EMPLOYERS = (
    ("Riverside Café", "Hospitality", "12 Stramongate, Kendal LA9 4BD", 54.3292, -2.7447),
    ("Fellside Garden Centre", "Retail", "Burneside Road, Kendal LA9 6DZ", 54.3370, -2.7480),
    ("Castle Street Pharmacy", "Health retail", "41 Castle Street, Kendal LA9 7AD", 54.3301, -2.7390),
    ("Lakeland Print Co", "Manufacturing", "Mintsfeet Road, Kendal LA9 6ND", 54.3405, -2.7402),
    ("Kent Valley Care Home", "Care", "Sedbergh Road, Kendal LA9 6BE", 54.3318, -2.7283),
)


def is_empty(service: RecordService) -> bool:
    return not any(service.store.all(kind) for kind in ("employer", "job_seeker", "employer_visit"))


def load_demo(service: RecordService) -> bool:
    """Fill an empty store with the demo caseload; returns False (and writes nothing) otherwise."""
    if not is_empty(service):
        return False
    now = service.clock.now()
    today = now.date()

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=now.tzinfo)

    def save(record: R) -> R:
        stored = service.save(record)
        return replace(record, id=stored.data["id"])

    cafe, garden, pharmacy, printer, care = (
        save(Employer(name=name, sector=sector, address=address, latitude=lat, longitude=lon))
        for name, sector, address, lat, lon in EMPLOYERS
    )
    kd101 = save(
        JobSeeker(
            code="KD-101",
            referral_date=today - timedelta(days=20),
            disclosure=Disclosure.CONSENTED,
            status=SeekerStatus.JOB_SEARCHING,
            preferred_job_types=["café", "kitchen"],
            referral_source="CMHT North",
            engagement_on=today - timedelta(days=18),
            career_profile_on=today - timedelta(days=14),
            job_search_plan_on=today - timedelta(days=10),
            job_search_started_on=today - timedelta(days=10),
            benefits_counselling=BenefitsCounselling.DONE,
            benefits_counselling_on=today - timedelta(days=12),
            better_off_calculation_on=today - timedelta(days=12),
            practical_help=[PracticalHelp.TRANSPORT, PracticalHelp.INTERVIEW_PRACTICE],
            skills=["food hygiene level 2", "till work", "barista"],
            experience="Two summers in a seaside café; kitchen porter at a hotel",
            min_hours_per_week=12,
            max_hours_per_week=25,
            min_pay_per_hour=12.21,
            max_travel_km=5,
        )
    )
    kd102 = save(
        JobSeeker(
            code="KD-102",
            referral_date=today - timedelta(days=75),
            disclosure=Disclosure.NOT_CONSENTED,
            status=SeekerStatus.WORKING,
            job_started_on=today - timedelta(days=12),
            current_employer_id=garden.id,
            preferred_job_types=["outdoor", "retail"],
            engagement_on=today - timedelta(days=72),
            career_profile_on=today - timedelta(days=65),
            practical_help=[PracticalHelp.CLOTHES],
            skills=["plant care", "forklift licence"],
            min_hours_per_week=20,
            max_hours_per_week=30,
        )
    )
    save(
        JobSeeker(
            code="KD-103",
            referral_date=today - timedelta(days=9),
            disclosure=Disclosure.UNDECIDED,
            status=SeekerStatus.ENGAGED,
            engagement_on=today - timedelta(days=7),
            benefits_counselling=BenefitsCounselling.OFFERED,
            practical_help=[PracticalHelp.CHILDCARE, PracticalHelp.CV],
        )
    )
    kd104 = save(
        JobSeeker(
            code="KD-104",
            referral_date=today - timedelta(days=130),
            disclosure=Disclosure.CONSENTED,
            status=SeekerStatus.WORKING,
            job_started_on=today - timedelta(days=60),
            current_employer_id=care.id,
        )
    )
    mo = save(
        JobSeeker(
            code="Mo",
            referral_date=today - timedelta(days=40),
            disclosure=Disclosure.CONSENTED,
            status=SeekerStatus.JOB_SEARCHING,
            preferred_job_types=["printing", "warehouse"],
            engagement_on=today - timedelta(days=39),
            job_search_plan_on=today - timedelta(days=38),
            # The café's temporary job ended ten days ago: the job search started again then.
            job_search_started_on=today - timedelta(days=10),
            skills=["warehouse picking", "heavy lifting"],
            experience="Agency warehouse work",
            min_hours_per_week=30,
            min_pay_per_hour=12.5,
            max_travel_km=12,
        )
    )

    # Jobs held: KD-104 holds two at once (the print works' weekend job for over 90 days, and the
    # care home's since 60 days); KD-102 left the café and started at the garden centre; Mo's
    # temporary café job came to its end.
    save(
        Job(
            job_seeker_id=kd102.id,
            employer_id=cafe.id,
            title="Kitchen porter",
            started_on=today - timedelta(days=70),
            hours_per_week=16,
            wage=12.21,
            ended_on=today - timedelta(days=40),
            end_reason=JobEndReason.QUIT,
        )
    )
    kd102_garden = save(
        Job(
            job_seeker_id=kd102.id,
            employer_id=garden.id,
            title="Plant area assistant",
            started_on=today - timedelta(days=12),
            hours_per_week=24,
            wage=12.40,
        )
    )
    save(
        Job(
            job_seeker_id=kd104.id,
            employer_id=printer.id,
            title="Weekend packer",
            started_on=today - timedelta(days=110),
            hours_per_week=8,
            wage=12.60,
        )
    )
    kd104_care = save(
        Job(
            job_seeker_id=kd104.id,
            employer_id=care.id,
            title="Care assistant",
            started_on=today - timedelta(days=60),
            hours_per_week=30,
            wage=1750,
            wage_unit=WageUnit.MONTH,
        )
    )
    save(
        Job(
            job_seeker_id=mo.id,
            employer_id=cafe.id,
            title="Summer kitchen assistant",
            started_on=today - timedelta(days=35),
            hours_per_week=20,
            wage=11.50,  # under the minimum wage: not competitive work
            permanence=Permanence.TEMPORARY,
            ended_on=today - timedelta(days=10),
            end_reason=JobEndReason.TEMPORARY_ENDED,
        )
    )
    # Per-employer disclosure: KD-101 agreed that the café and the pharmacy may know; KD-102
    # declined for the garden centre, where they work.
    for seeker, employer, decision, days_ago in (
        (kd101, cafe, DisclosureDecision.AGREED, 15),
        (kd101, pharmacy, DisclosureDecision.AGREED, 15),
        (kd102, garden, DisclosureDecision.DECLINED, 13),
    ):
        save(
            EmployerDisclosure(
                job_seeker_id=seeker.id,
                employer_id=employer.id,
                decision=decision,
                decided_on=today - timedelta(days=days_ago),
            )
        )

    save(
        EmployerVisit(
            employer_id=cafe.id,
            occurred_at=at(6, 10, 30),
            purpose=VisitPurpose.INTRODUCE_IPS,
            met_hiring_manager=True,
            met_person="Owner (Jo)",
            outcome="Interested; busy summer season coming",
            next_step="Bring KD-101's CV",
            next_step_on=today,
            geotag=Geotag(
                latitude=54.32925,
                longitude=-2.74466,
                accuracy_m=12.0,
                fixed_at=at(6, 10, 31),
                source=GeotagSource.GPS,
            ),
        )
    )
    save(
        EmployerVisit(
            employer_id=printer.id,
            occurred_at=at(3, 14),
            purpose=VisitPurpose.LEARN_BUSINESS,
            met_person="Shift supervisor",
            outcome="Two warehouse roles likely in autumn",
            next_step="Call about start dates",
            next_step_on=today - timedelta(days=1),
            geotag=Geotag(latitude=54.3405, longitude=-2.7402, source=GeotagSource.EMPLOYER_ADDRESS),
        )
    )
    save(
        EmployerVisit(
            employer_id=pharmacy.id,
            occurred_at=at(1, 11),
            contact_mode=ContactMode.PHONE,
            purpose=VisitPurpose.FOLLOW_UP,
            job_seeker_ids=[kd101.id],
            outcome="Manager on leave until next week",
        )
    )
    save(
        JobOpening(
            employer_id=cafe.id,
            title="Kitchen assistant",
            wage=12.21,
            hours_per_week=16,
            status=OpeningStatus.INTERESTED,
            job_seeker_ids=[kd101.id],
            noted_on=today - timedelta(days=6),
        )
    )
    save(
        JobOpening(
            employer_id=printer.id,
            title="Warehouse operative",
            wage=24500,
            wage_unit=WageUnit.YEAR,
            hours_per_week=37.5,
            found_via=FoundVia.JOB_DEVELOPMENT,
            noted_on=today - timedelta(days=3),
        )
    )
    save(
        SupportCheckIn(
            job_seeker_id=kd102.id,
            occurred_at=at(9, 16),
            with_whom=CheckInWith.WORKER,
            place=CheckInPlace.ELSEWHERE,
            topics=["first week", "travel"],
            concerns="Tired after long shifts",
            next_check_in_on=today,
            job_id=kd102_garden.id,
        )
    )
    save(
        SupportCheckIn(
            job_seeker_id=kd104.id,
            employer_id=care.id,
            occurred_at=at(20, 9),
            with_whom=CheckInWith.BOTH,
            place=CheckInPlace.WORKPLACE,
            topics=["hours review"],
            next_check_in_on=today + timedelta(days=10),
            job_id=kd104_care.id,
        )
    )
    return True
