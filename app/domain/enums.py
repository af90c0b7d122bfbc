"""The closed vocabularies of IPS field records (values are the wire strings)."""

from __future__ import annotations

from enum import StrEnum


class ContactMode(StrEnum):
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    EMAIL = "email"
    VIDEO = "video"


class VisitPurpose(StrEnum):
    INTRODUCE_IPS = "introduce_ips"
    LEARN_BUSINESS = "learn_business"
    FOR_JOB_SEEKER = "for_job_seeker"
    FOLLOW_UP = "follow_up"
    IN_WORK_SUPPORT = "in_work_support"


class GeotagSource(StrEnum):
    GPS = "gps"
    MANUAL = "manual"
    EMPLOYER_ADDRESS = "employer_address"
    NONE = "none"


class WageUnit(StrEnum):
    HOUR = "hour"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Permanence(StrEnum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"


class Market(StrEnum):
    OPEN_MARKET = "open_market"
    SET_ASIDE = "set_aside"


class FoundVia(StrEnum):
    JOB_DEVELOPMENT = "job_development"
    ADVERT = "advert"


class OpeningStatus(StrEnum):
    IDENTIFIED = "identified"
    INTERESTED = "interested"
    APPLIED = "applied"
    INTERVIEW = "interview"
    HIRED = "hired"
    CLOSED = "closed"


class CheckInWith(StrEnum):
    WORKER = "worker"
    EMPLOYER = "employer"
    BOTH = "both"


class CheckInPlace(StrEnum):
    WORKPLACE = "workplace"
    ELSEWHERE = "elsewhere"


class Disclosure(StrEnum):
    CONSENTED = "consented"
    NOT_CONSENTED = "not_consented"
    UNDECIDED = "undecided"


class SeekerStatus(StrEnum):
    ENGAGED = "engaged"
    JOB_SEARCHING = "job_searching"
    WORKING = "working"
    EDUCATION = "education"
    ENDED = "ended"


class BenefitsCounselling(StrEnum):
    NOT_OFFERED = "not_offered"
    OFFERED = "offered"
    DONE = "done"


class JobEndReason(StrEnum):
    QUIT = "quit"
    DISMISSED = "dismissed"
    LAID_OFF = "laid_off"
    TEMPORARY_ENDED = "temporary_ended"
    BETTER_JOB = "better_job"


class DisclosureDecision(StrEnum):
    """A job seeker's choice for one employer: may it know about them and their condition."""

    AGREED = "agreed"
    DECLINED = "declined"


class PracticalHelp(StrEnum):
    """Barriers the team helps with before work starts (a checklist on the job seeker)."""

    CHILDCARE = "childcare"
    CLOTHES = "clothes"
    TRANSPORT = "transport"
    INTERVIEW_PRACTICE = "interview_practice"
    CV = "cv"
    DOCUMENTS = "documents"
