"""Derived IPS rules: competitive work, fidelity contacts, the disclosure guard, support schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.domain.enums import (
    CheckInWith,
    ContactMode,
    Disclosure,
    DisclosureDecision,
    Market,
    VisitPurpose,
    WageUnit,
)
from app.domain.errors import DisclosureRefused
from app.domain.records import (
    EmployerDisclosure,
    EmployerVisit,
    JobOpening,
    JobSeeker,
    Record,
    SupportCheckIn,
)

WEEKS_PER_YEAR = 52.0
MONTHS_PER_YEAR = 12.0
FIDELITY_CONTACTS_PER_WEEK = 6
DAYS_TO_FIRST_EMPLOYER_CONTACT = 30
CASELOAD_LIMIT = 20
# Per hour: the UK National Living Wage from April 2025. The server's FIELDWORK_MINIMUM_WAGE and
# the field app's --minimum-wage default to it; the currency below goes with it.
DEFAULT_MINIMUM_WAGE = 12.21
DEFAULT_CURRENCY = "£"


def hourly_wage(opening: JobOpening) -> float | None:
    """The opening's pay per hour, or None when the wage or the hours needed to convert are unknown."""
    if opening.wage is None:
        return None
    if opening.wage_unit is WageUnit.HOUR:
        return opening.wage
    hours = opening.hours_per_week
    if not hours:
        return None
    weekly = {
        WageUnit.WEEK: opening.wage,
        WageUnit.MONTH: opening.wage * MONTHS_PER_YEAR / WEEKS_PER_YEAR,
        WageUnit.YEAR: opening.wage / WEEKS_PER_YEAR,
    }[opening.wage_unit]
    return weekly / hours


def is_competitive(opening: JobOpening, *, minimum_wage: float) -> bool:
    """IPS competitive work: open to anyone (not set aside) and paying at least the minimum wage."""
    hourly = hourly_wage(opening)
    return opening.market is Market.OPEN_MARKET and hourly is not None and hourly >= minimum_wage


@dataclass(frozen=True)
class WageRules:
    """How wages read on the phone: the currency sign, and the minimum wage per hour below which
    an opening is not competitive work (is_competitive) and the opening form says so."""

    currency: str = DEFAULT_CURRENCY
    minimum_wage: float = DEFAULT_MINIMUM_WAGE

    def money(self, amount: float) -> str:
        """12.5 -> "£12.50"; a negative amount keeps its sign in front: "-£3.00"."""
        sign = "-" if amount < 0 else ""
        return f"{sign}{self.currency}{abs(amount):,.2f}"

    def below_minimum(self, opening: JobOpening) -> bool:
        """True when the opening's pay per hour is known and under the minimum wage."""
        hourly = hourly_wage(opening)
        return hourly is not None and hourly < self.minimum_wage


def counts_toward_fidelity(visit: EmployerVisit) -> bool:
    """Only face-to-face employer contacts made for job development count toward the 6-a-week
    standard: an in-work support visit does not (issue 15; the server's fidelity queries read the
    derived face_to_face and purpose columns the same way, server.services.metrics)."""
    return is_face_to_face(visit.contact_mode) and visit.purpose is not VisitPurpose.IN_WORK_SUPPORT


def is_face_to_face(contact_mode: object) -> bool:
    """The fidelity rule on a contact mode, given as a ContactMode or as stored JSON: the server's
    derived face_to_face column reads it from a visit's raw data (server.services.derived)."""
    return contact_mode == ContactMode.FACE_TO_FACE


def employer_facing_seeker_ids(record: Record) -> list[str]:
    """Job seekers whose link to this record is seen by, or discussed with, an employer."""
    if isinstance(record, EmployerVisit | JobOpening):
        # An opening's matched job seekers are put forward to its employer.
        return list(record.job_seeker_ids)
    if isinstance(record, SupportCheckIn) and record.with_whom is not CheckInWith.WORKER:
        return [record.job_seeker_id] if record.job_seeker_id else []
    return []


def record_employer_id(record: Record) -> str:
    """The employer an employer-facing record is about ("" when it names none)."""
    return getattr(record, "employer_id", None) or ""


def _decision_order(decision: EmployerDisclosure) -> tuple[date, datetime, str]:
    return (
        decision.decided_on or date.min,
        decision.updated_at or decision.created_at or datetime.min,
        decision.id,
    )


@dataclass(frozen=True)
class DisclosureBook:
    """Job seekers' per-employer disclosure decisions (issue 15), for the guard.

    A job seeker may be named to employer E (in a record's job_seeker_ids) only with an active
    AGREED decision for E; the active decision for (seeker, E) is the latest one not revoked (by
    decided_on, then last change). The migration of the single flag from before issue 15: a job
    seeker with no per-employer decision at all (revoked ones count: a revoked agreement is not
    consent) may still be named to any employer while their general flag is "consented"."""

    by_seeker: Mapping[str, tuple[EmployerDisclosure, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, decisions: Iterable[EmployerDisclosure]) -> DisclosureBook:
        grouped: dict[str, list[EmployerDisclosure]] = {}
        for decision in decisions:
            if decision.job_seeker_id:
                grouped.setdefault(decision.job_seeker_id, []).append(decision)
        return cls({seeker: tuple(sorted(items, key=_decision_order)) for seeker, items in grouped.items()})

    def decisions(self, seeker_id: str) -> tuple[EmployerDisclosure, ...]:
        """Every decision of this job seeker, oldest first (revoked ones too)."""
        return self.by_seeker.get(seeker_id, ())

    def active(self, seeker_id: str, employer_id: str) -> EmployerDisclosure | None:
        """The decision in force for this employer: the latest one not revoked, or None."""
        live = [
            decision
            for decision in self.decisions(seeker_id)
            if decision.employer_id == employer_id and decision.revoked_on is None
        ]
        return live[-1] if live else None

    def active_for(self, seeker_id: str) -> list[EmployerDisclosure]:
        """The decision in force for each employer this job seeker decided for, latest first."""
        employers = {decision.employer_id for decision in self.decisions(seeker_id)}
        found = [self.active(seeker_id, employer_id) for employer_id in employers]
        return sorted((d for d in found if d is not None), key=_decision_order, reverse=True)

    def may_name(self, seeker: JobSeeker, employer_id: str) -> bool:
        """True when `seeker` may be named to this employer without a reason (see the class)."""
        if not self.decisions(seeker.id):
            return seeker.disclosure is Disclosure.CONSENTED
        active = self.active(seeker.id, employer_id) if employer_id else None
        return active is not None and active.decision is DisclosureDecision.AGREED


NO_DECISIONS = DisclosureBook()


def check_disclosure(
    record: Record, job_seekers: Mapping[str, JobSeeker], disclosures: DisclosureBook = NO_DECISIONS
) -> None:
    """Refuse to name a job seeker in an employer-facing record for an employer they have not
    agreed may know about them (DisclosureBook.may_name), unless the record says why (the worker
    decides who knows about their mental health). Job seekers the visit was made for "on behalf
    of, not disclosed" (undisclosed_job_seeker_ids) are never named, so always allowed."""
    reason = getattr(record, "disclosure_reason", "")
    if reason.strip():
        return
    employer_id = record_employer_id(record)
    refused = [
        job_seekers[seeker_id].code
        for seeker_id in employer_facing_seeker_ids(record)
        if seeker_id in job_seekers and not disclosures.may_name(job_seekers[seeker_id], employer_id)
    ]
    if refused:
        raise DisclosureRefused(refused)


def next_step_open(visit: EmployerVisit) -> bool:
    """A visit's next step is a task: open from the visit that set it until it is marked done or
    dismissed. A later visit to the same employer does not close it (that visit may set its own)."""
    has_step = bool(visit.next_step.strip()) or visit.next_step_on is not None
    return has_step and visit.next_step_done_on is None and not visit.next_step_dismissed


def next_support_due(*, job_started_on: date, last_contact_on: date | None) -> date:
    """When the next in-work support contact is due, by the IPS fidelity guide: within 3 days
    after the start, weekly for the first month, then at least monthly."""
    if last_contact_on is None or last_contact_on < job_started_on:
        return job_started_on + timedelta(days=3)
    first_month_ends = job_started_on + timedelta(days=30)
    step = timedelta(days=7) if last_contact_on < first_month_ends else timedelta(days=30)
    return last_contact_on + step
