"""Log (or edit) a job opening found through job development or an advert."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.enums import FoundVia, Market, OpeningStatus, Permanence, WageUnit
from app.domain.records import Employer, JobOpening, JobSeeker
from app.domain.rules import WageRules
from app.records import RecordService
from app.state.forms import EmployerPicking, Parser, format_date


class OpeningFormState(EmployerPicking):
    title = "Log a job opening"
    noun = "Job opening"

    def __init__(
        self,
        service: RecordService,
        *,
        base: JobOpening | None = None,
        employer_id: str | None = None,
        wages: WageRules | None = None,
    ) -> None:
        super().__init__(service, base=base)
        self.wages = wages or WageRules()
        self.employers: list[Employer] = service.recent_employers()
        self.job_seekers: list[JobSeeker] = service.recent_job_seekers()
        if base is not None:
            self.title = "Edit job opening"
            self.values = {
                "employer_id": base.employer_id,
                "title": base.title,
                "wage": "" if base.wage is None else f"{base.wage:g}",
                "wage_unit": base.wage_unit.value,
                "hours_per_week": "" if base.hours_per_week is None else f"{base.hours_per_week:g}",
                "permanence": base.permanence.value,
                "market": base.market.value,
                "found_via": base.found_via.value,
                "status": base.status.value,
                "job_seeker_ids": list(base.job_seeker_ids),
                "noted_on": format_date(base.noted_on),
                "started_on": format_date(base.started_on),
                "disclosure_reason": base.disclosure_reason,
            }
            if base.disclosure_reason:
                self.disclosure_message = "This opening matches someone who has not agreed to disclosure."
        else:
            self.values = {
                # No default: a preselected employer invites attaching the opening to the wrong one.
                "employer_id": employer_id or "",
                "title": "",
                "wage": "",
                "wage_unit": WageUnit.HOUR.value,
                "hours_per_week": "",
                "permanence": Permanence.PERMANENT.value,
                "market": Market.OPEN_MARKET.value,
                "found_via": FoundVia.JOB_DEVELOPMENT.value,
                "status": OpeningStatus.IDENTIFIED.value,
                "job_seeker_ids": [],
                "noted_on": format_date(service.clock.now().date()),
                "started_on": "",
                "disclosure_reason": "",
            }

    def toggle_job_seeker(self, seeker_id: str) -> None:
        ids: list[str] = list(self.values.get("job_seeker_ids") or [])
        if seeker_id in ids:
            ids.remove(seeker_id)
        else:
            ids.append(seeker_id)
        self.set_field("job_seeker_ids", ids)
        if not self.needs_disclosure_reason():
            self.disclosure_message = None
            self.errors.pop("disclosure_reason", None)

    def needs_disclosure_reason(self) -> bool:
        """True while a matched job seeker has not agreed to disclosure to the opening's employer: an
        opening's matches are put forward to its employer, so the form warns before save as the visit
        form does (issue 15: judged for that employer, app.domain.rules.DisclosureBook)."""
        chosen = set(self.values.get("job_seeker_ids") or [])
        book, employer_id = self.service.disclosures(), self.text("employer_id")
        return any(s.id in chosen and not book.may_name(s, employer_id) for s in self.job_seekers)

    @property
    def wage_label(self) -> str:
        return f"Wage ({self.wages.currency})"

    @property
    def wage_hint(self) -> str | None:
        """ "Below the minimum wage" while the wage typed so far, per hour, is under it; None when it
        is not, or cannot be told yet (no wage, or a weekly wage with no hours)."""
        parse = Parser(None)
        wage = parse.number("wage", self.text("wage"))
        hours = parse.number("hours_per_week", self.text("hours_per_week"))
        if wage is None or parse.errors or not self.text("wage_unit"):
            return None
        typed = JobOpening(wage=wage, wage_unit=WageUnit(self.text("wage_unit")), hours_per_week=hours)
        if not self.wages.below_minimum(typed):
            return None
        minimum = self.wages.money(self.wages.minimum_wage)
        return f"Below the minimum wage ({minimum} an hour): not competitive work in IPS."

    def build(self) -> JobOpening:
        parse = Parser(self.service.clock.now().tzinfo)
        wage = parse.number("wage", self.text("wage"))
        hours = parse.number("hours_per_week", self.text("hours_per_week"))
        noted_on = parse.date("noted_on", self.text("noted_on"))
        started_on = parse.date("started_on", self.text("started_on"))
        parse.check()
        fields: dict[str, Any] = {
            "employer_id": self.text("employer_id"),
            "title": self.text("title").strip(),
            "wage": wage,
            "wage_unit": WageUnit(self.text("wage_unit")),
            "hours_per_week": hours,
            "permanence": Permanence(self.text("permanence")),
            "market": Market(self.text("market")),
            "found_via": FoundVia(self.text("found_via")),
            "status": OpeningStatus(self.text("status")),
            "job_seeker_ids": list(self.values.get("job_seeker_ids") or []),
            "noted_on": noted_on,
            "started_on": started_on,
            "disclosure_reason": self.text("disclosure_reason").strip(),
        }
        if isinstance(self.base, JobOpening):
            return replace(self.base, **fields)
        return JobOpening(**fields)
