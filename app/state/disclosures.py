"""Disclosure decided per employer, on the phone (issue 15): the job seeker's page lists the
decision in force for each employer (agreed or declined, its date, Revoke), and "Decide for an
employer" records a new one (pick the employer, agreed or declined, the date: today by default).

A decision is never edited into another: a new decision is a new record, and Revoke sets
`revoked_on` on the one in force (app.domain.rules.DisclosureBook reads them for the guard).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from app.domain.enums import DisclosureDecision
from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.records import EmployerDisclosure, JobSeeker
from app.records import RecordService
from app.state.forms import EmployerPicking, Parser, format_date
from app.store import StoreError


@dataclass(frozen=True)
class DecisionRow:
    """One employer's decision in force, on the job seeker's page."""

    decision_id: str
    employer: str  # the employer's name
    detail: str  # "Agreed on Tue 3 Nov 2026"
    agreed: bool


def decision_rows(service: RecordService, seeker_id: str) -> list[DecisionRow]:
    """The decision in force for each employer this job seeker decided for, newest first."""
    employers = service.employers_by_id()
    rows = []
    for decision in service.disclosures().active_for(seeker_id):
        employer = employers.get(decision.employer_id)
        agreed = decision.decision is DisclosureDecision.AGREED
        verb = "Agreed" if agreed else "Declined"
        rows.append(
            DecisionRow(
                decision.id,
                employer.name if employer else "Unknown employer",
                f"{verb} on {_day(decision.decided_on)}",
                agreed,
            )
        )
    return rows


def revoke_decision(service: RecordService, decision_id: str) -> str:
    """Revoke a decision today; returns what to tell the specialist."""
    decision = service.load("employer_disclosure", decision_id)
    if not isinstance(decision, EmployerDisclosure):
        return "That decision is no longer on this phone."
    today = service.clock.now().date()
    revoked_on = max(today, decision.decided_on) if decision.decided_on is not None else today
    try:
        service.save(replace(decision, revoked_on=revoked_on))
    except (ValidationError, DisclosureRefused, StoreError) as exc:
        return f"Not revoked: {exc}"
    return "Decision revoked. Until they decide again, do not name them to that employer."


def _day(value: date | None) -> str:
    return f"{value:%a %-d %b %Y}" if value is not None else "?"


class DisclosureDecisionFormState(EmployerPicking):
    """ "Decide for an employer": which employer (a recent one, or one found by typing part of its
    name: a decision is for an employer already known, so no new one here), agreed or declined,
    and when."""

    title = "Decide for an employer"
    noun = "Decision"

    def __init__(self, service: RecordService, *, job_seeker_id: str) -> None:
        super().__init__(service)
        self.employers = service.recent_employers()
        seeker = service.job_seekers_by_id().get(job_seeker_id)
        self.seeker: JobSeeker | None = seeker
        self.values = {
            "job_seeker_id": job_seeker_id,
            "employer_id": "",
            "decision": DisclosureDecision.AGREED.value,
            "decided_on": format_date(service.clock.now().date()),
        }

    @property
    def saved_message(self) -> str:
        return "Decision saved on this phone."

    def build(self) -> EmployerDisclosure:
        parse = Parser(self.service.clock.now().tzinfo)
        decided_on = parse.date("decided_on", self.text("decided_on"))
        parse.check()
        return EmployerDisclosure(
            job_seeker_id=self.text("job_seeker_id"),
            employer_id=self.text("employer_id"),
            decision=DisclosureDecision(self.text("decision")),
            decided_on=decided_on,
        )
