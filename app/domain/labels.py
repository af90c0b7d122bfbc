"""Words, not codes: the one label table of every enum the phone shows (issue 17, item 9).

Every chip, dropdown, list row, detail page and Today line reads its words from here, so a value
is called the same thing everywhere. Labels are written in sentence case ("Introduce IPS"), never
made from the wire value; tests/app/test_labels.py checks every member of every enum in app.domain
has one and that none is just the value with its underscores replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

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
    Market,
    OpeningStatus,
    Permanence,
    PracticalHelp,
    SeekerStatus,
    VisitPurpose,
    WageUnit,
)
from app.domain.matching import RankBy
from app.domain.visit_check import LocationFlag

CONTACT_MODE = {
    ContactMode.FACE_TO_FACE: "Face to face",
    ContactMode.PHONE: "Phone",
    ContactMode.EMAIL: "Email",
    ContactMode.VIDEO: "Video call",
}
VISIT_PURPOSE = {
    VisitPurpose.INTRODUCE_IPS: "Introduce IPS",
    VisitPurpose.LEARN_BUSINESS: "Learn the business",
    VisitPurpose.FOR_JOB_SEEKER: "For a job seeker",
    VisitPurpose.FOLLOW_UP: "Follow-up",
    VisitPurpose.IN_WORK_SUPPORT: "In-work support",
}
GEOTAG_SOURCE = {
    GeotagSource.GPS: "GPS",
    GeotagSource.MANUAL: "Set by hand",
    GeotagSource.EMPLOYER_ADDRESS: "The employer's address",
    GeotagSource.NONE: "No location",
}
WAGE_UNIT = {
    WageUnit.HOUR: "per hour",
    WageUnit.WEEK: "per week",
    WageUnit.MONTH: "per month",
    WageUnit.YEAR: "per year",
}
PERMANENCE = {Permanence.PERMANENT: "Permanent", Permanence.TEMPORARY: "Temporary"}
MARKET = {Market.OPEN_MARKET: "Open to anyone", Market.SET_ASIDE: "Set aside"}
FOUND_VIA = {FoundVia.JOB_DEVELOPMENT: "Job development", FoundVia.ADVERT: "Advert"}
OPENING_STATUS = {
    OpeningStatus.IDENTIFIED: "Identified",
    OpeningStatus.INTERESTED: "Job seeker interested",
    OpeningStatus.APPLIED: "Applied",
    OpeningStatus.INTERVIEW: "Interview",
    OpeningStatus.HIRED: "Hired",
    OpeningStatus.CLOSED: "Closed",
}
CHECK_IN_WITH = {
    CheckInWith.WORKER: "Worker",
    CheckInWith.EMPLOYER: "Employer",
    CheckInWith.BOTH: "Worker and employer",
}
CHECK_IN_PLACE = {CheckInPlace.WORKPLACE: "At work", CheckInPlace.ELSEWHERE: "Elsewhere"}
DISCLOSURE = {
    Disclosure.CONSENTED: "Agreed to disclose",
    Disclosure.NOT_CONSENTED: "Does not disclose",
    Disclosure.UNDECIDED: "Undecided",
}
SEEKER_STATUS = {
    SeekerStatus.ENGAGED: "Engaged",
    SeekerStatus.JOB_SEARCHING: "Job searching",
    SeekerStatus.WORKING: "Working",
    SeekerStatus.EDUCATION: "In education",
    SeekerStatus.ENDED: "Ended",
}
BENEFITS_COUNSELLING = {
    BenefitsCounselling.NOT_OFFERED: "Not offered",
    BenefitsCounselling.OFFERED: "Offered",
    BenefitsCounselling.DONE: "Done",
}
JOB_END_REASON = {
    JobEndReason.QUIT: "Left the job",
    JobEndReason.DISMISSED: "Dismissed",
    JobEndReason.LAID_OFF: "Laid off",
    JobEndReason.TEMPORARY_ENDED: "Temporary job came to its end",
    JobEndReason.BETTER_JOB: "Moved to a better job",
}
DISCLOSURE_DECISION = {
    DisclosureDecision.AGREED: "May know about them",
    DisclosureDecision.DECLINED: "Must not know about them",
}
PRACTICAL_HELP = {
    PracticalHelp.CHILDCARE: "Childcare",
    PracticalHelp.CLOTHES: "Clothes for work",
    PracticalHelp.TRANSPORT: "Getting there",
    PracticalHelp.INTERVIEW_PRACTICE: "Interview practice",
    PracticalHelp.CV: "A CV",
    PracticalHelp.DOCUMENTS: "Papers and ID",
}
LOCATION_FLAG = {LocationFlag.FAR: "Far from the employer", LocationFlag.POOR_ACCURACY: "Rough GPS fix"}
RANK_BY = {RankBy.MATCH: "Best match", RankBy.DISTANCE: "Nearest"}

TABLES: dict[type[Enum], Mapping[Any, str]] = {
    ContactMode: CONTACT_MODE,
    VisitPurpose: VISIT_PURPOSE,
    GeotagSource: GEOTAG_SOURCE,
    WageUnit: WAGE_UNIT,
    Permanence: PERMANENCE,
    Market: MARKET,
    FoundVia: FOUND_VIA,
    OpeningStatus: OPENING_STATUS,
    CheckInWith: CHECK_IN_WITH,
    CheckInPlace: CHECK_IN_PLACE,
    Disclosure: DISCLOSURE,
    SeekerStatus: SEEKER_STATUS,
    BenefitsCounselling: BENEFITS_COUNSELLING,
    JobEndReason: JOB_END_REASON,
    DisclosureDecision: DISCLOSURE_DECISION,
    PracticalHelp: PRACTICAL_HELP,
    LocationFlag: LOCATION_FLAG,
    RankBy: RANK_BY,
}


def label(member: Enum) -> str:
    """The words for one enum value, as the phone shows them."""
    return TABLES[type(member)][member]


def options(enum: type[Enum]) -> list[tuple[str, str]]:
    """(wire value, label) of every member, in the enum's order: for chips and dropdowns."""
    table = TABLES[enum]
    return [(str(member.value), table[member]) for member in enum]


# A record's fields as a record page, a refusal or a conflict names them. One name per field, so
# no page shows two rows called the same ("Next step" and "Next step due", not "Next step" twice).
FIELD_LABELS = {
    "created_at": "Created",
    "updated_at": "Last saved",
    "name": "Business name",
    "sector": "Sector",
    "address": "Address",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "contacts": "Contact people",
    "hiring_needs": "Hiring needs",
    "notes": "Notes",
    "next_step": "Next step",
    "next_step_on": "Next step due",
    "next_step_done_on": "Next step done on",
    "next_step_dismissed": "Next step dismissed",
    "code": "Code",
    "referral_date": "Referral date",
    "referral_source": "Referred by",
    "clinical_team": "Clinical team",
    "preferred_job_types": "Jobs they want",
    "preferred_hours": "Hours they want",
    "preferred_places": "Where they want to work",
    "avoid": "Things to avoid",
    "disclosure": "Disclosure to employers",
    "status": "Status",
    "benefits_counselling": "Benefits counselling",
    "benefits_counselling_on": "Benefits counselling date",
    "job_started_on": "Job started on",
    "current_employer_id": "Current employer",
    "employer_id": "Employer",
    "occurred_at": "When",
    "contact_mode": "How",
    "purpose": "Why",
    "met_hiring_manager": "Met the hiring manager",
    "met_person": "Who they met",
    "job_seeker_ids": "Job seekers",
    "outcome": "Outcome",
    "geotag": "Location",
    "title": "Job title",
    "wage": "Wage",
    "wage_unit": "Paid",
    "hours_per_week": "Hours a week",
    "permanence": "Permanent or temporary",
    "market": "Who can apply",
    "found_via": "Found through",
    "noted_on": "Noted on",
    "started_on": "Job started on",
    "job_seeker_id": "Worker",
    "with_whom": "With",
    "mode": "How",
    "place": "Where",
    "topics": "Topics",
    "concerns": "Concerns",
    "next_check_in_on": "Next check-in",
    "disclosure_reason": "Reason for linking without disclosure consent",
    # Issue 15
    "job_search_started_on": "Job search started on",
    "engagement_on": "Engagement meeting",
    "career_profile_on": "Career profile meeting",
    "job_search_plan_on": "Job search plan meeting",
    "better_off_calculation_on": "Better-off calculation done on",
    "practical_help": "Practical help",
    "skills": "Skills",
    "experience": "Experience",
    "min_hours_per_week": "Fewest hours a week",
    "max_hours_per_week": "Most hours a week",
    "min_pay_per_hour": "Lowest pay an hour",
    "max_travel_km": "Farthest to travel (km)",
    "undisclosed_job_seeker_ids": "On behalf of, not disclosed",
    "job_id": "Job",
    "opening_id": "From the opening",
    "ended_on": "Job ended on",
    "end_reason": "Why it ended",
    "decision": "Decision",
    "decided_on": "Decided on",
    "revoked_on": "Revoked on",
}


def field_label(name: str) -> str:
    """A record field's name for a person; a field added since falls back to its words."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    nested = name.split(".", 1)
    if len(nested) == 2 and nested[0] in FIELD_LABELS:
        return f"{FIELD_LABELS[nested[0]]}: {nested[1].replace('_', ' ')}"
    text = name.removesuffix("_id").removesuffix("_ids").replace("_", " ").strip()
    return text[:1].upper() + text[1:]
