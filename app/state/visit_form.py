"""Log (or edit) an employer visit: quick defaults, recent employers first, a geotag that never blocks.

The employer is picked from the few most recent ones, or found by typing part of its name: the
form never lists every employer (a team's directory holds thousands), only the few that match."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.enums import ContactMode, GeotagSource, VisitPurpose
from app.domain.records import Employer, EmployerVisit, Geotag, JobSeeker
from app.geo import DEFAULT_FIX_TIMEOUT_S, LocationProvider, accuracy_warning, describe, fallback_geotag
from app.records import RecordService
from app.state.forms import (
    RECENT_CHOICES,
    EmployerPicking,
    Parser,
    days_from,
    format_date,
    format_time,
)
from app.visit_check import CheckRules, LocationCheck, LocationFlag, check_visit_location, format_distance

NEXT_STEP_SHORTCUTS = (("Tomorrow", 1), ("In 1 week", 7), ("In 2 weeks", 14))


class VisitFormState(EmployerPicking):
    title = "Log a visit"
    noun = "Visit"

    def __init__(
        self,
        service: RecordService,
        *,
        base: EmployerVisit | None = None,
        employer_id: str | None = None,
        rules: CheckRules | None = None,
    ) -> None:
        super().__init__(service, base=base)
        self.rules = rules or CheckRules()
        self.tz = service.clock.now().tzinfo
        self.employers: list[Employer] = []
        self.job_seekers: list[JobSeeker] = []
        self.fix: Geotag | None = base.geotag if base is not None else None
        self.locating = False
        self.task_message: str | None = None
        self.reload_choices()
        if base is not None:
            self.title = "Edit visit"
            self._load(base)
        else:
            self.values = {
                "employer_id": "",
                "occurred_at": format_time(service.clock.now(), self.tz),
                "contact_mode": ContactMode.FACE_TO_FACE.value,
                "purpose": VisitPurpose.INTRODUCE_IPS.value,
                "met_hiring_manager": False,
                "met_person": "",
                "job_seeker_ids": [],
                "undisclosed_job_seeker_ids": [],
                "outcome": "",
                "next_step": "",
                "next_step_on": "",
                "disclosure_reason": "",
            }
            if employer_id:
                self.select_employer(employer_id)

    def _load(self, visit: EmployerVisit) -> None:
        self.values = {
            "employer_id": visit.employer_id,
            "occurred_at": format_time(visit.occurred_at, self.tz),
            "contact_mode": visit.contact_mode.value,
            "purpose": visit.purpose.value,
            "met_hiring_manager": visit.met_hiring_manager,
            "met_person": visit.met_person,
            "job_seeker_ids": list(visit.job_seeker_ids),
            "undisclosed_job_seeker_ids": list(visit.undisclosed_job_seeker_ids),
            "outcome": visit.outcome,
            "next_step": visit.next_step,
            "next_step_on": format_date(visit.next_step_on),
            "disclosure_reason": visit.disclosure_reason,
        }
        if visit.disclosure_reason:
            self.disclosure_message = "This record links someone who has not agreed to disclosure."

    def reload_choices(self) -> None:
        self.reload_employers()
        self.job_seekers = self.service.recent_job_seekers()

    @property
    def recent_job_seekers(self) -> list[JobSeeker]:
        return self.job_seekers[:RECENT_CHOICES]

    # -- actions ---------------------------------------------------------------------------------

    def pick_employer(self, employer_id: str) -> None:
        self.select_employer(employer_id)

    def select_employer(self, employer_id: str) -> None:
        """Choose the employer; a first visit defaults to introducing IPS, a repeat to follow-up."""
        self.set_field("employer_id", employer_id)
        self._disclosure_settled()
        if self.editing:
            return
        seen_before = self.service.visit_count(employer_id) > 0
        purpose = VisitPurpose.FOLLOW_UP if seen_before else VisitPurpose.INTRODUCE_IPS
        self.values["purpose"] = purpose.value

    def toggle_job_seeker(self, seeker_id: str) -> None:
        """Name a job seeker on this visit, or take them off it (named or on behalf)."""
        ids: list[str] = list(self.values.get("job_seeker_ids") or [])
        behalf: list[str] = list(self.values.get("undisclosed_job_seeker_ids") or [])
        if seeker_id in ids:
            ids.remove(seeker_id)
        elif seeker_id in behalf:
            behalf.remove(seeker_id)
        else:
            ids.append(seeker_id)
        self.set_field("job_seeker_ids", ids)
        self.set_field("undisclosed_job_seeker_ids", behalf)
        self._disclosure_settled()

    def may_name(self, seeker: JobSeeker) -> bool:
        """Whether this job seeker has agreed that the chosen employer may know about them."""
        return self.service.disclosures().may_name(seeker, self.text("employer_id"))

    def not_agreed(self) -> list[JobSeeker]:
        """Named job seekers who have not agreed to disclosure to the chosen employer."""
        chosen = set(self.values.get("job_seeker_ids") or [])
        return [s for s in self._seekers_by_id().values() if s.id in chosen and not self.may_name(s)]

    def needs_disclosure_reason(self) -> bool:
        """True while a named job seeker has not agreed to disclosure to this employer (warn before save)."""
        return bool(self.not_agreed())

    def on_behalf_not_disclosed(self) -> None:
        """One tap: every named job seeker without agreement for this employer becomes "on behalf
        of, not disclosed" (the visit counts for them, and never names them to the employer)."""
        moving = {s.id for s in self.not_agreed()}
        ids = [i for i in self.values.get("job_seeker_ids") or [] if i not in moving]
        behalf = list(self.values.get("undisclosed_job_seeker_ids") or [])
        behalf += [i for i in sorted(moving) if i not in behalf]
        self.set_field("job_seeker_ids", ids)
        self.set_field("undisclosed_job_seeker_ids", behalf)
        self._disclosure_settled()

    def behalf_seekers(self) -> list[JobSeeker]:
        """The job seekers this visit is on behalf of, not disclosed."""
        seekers = self._seekers_by_id()
        return [seekers[i] for i in self.values.get("undisclosed_job_seeker_ids") or [] if i in seekers]

    def _seekers_by_id(self) -> dict[str, JobSeeker]:
        return self.service.job_seekers_by_id()

    def _disclosure_settled(self) -> None:
        if not self.needs_disclosure_reason():
            self.disclosure_message = None
            self.errors.pop("disclosure_reason", None)

    @property
    def open_tasks(self) -> list[EmployerVisit]:
        """The chosen employer's open next steps from earlier visits: this visit may close them."""
        employer_id = self.text("employer_id")
        if not employer_id:
            return []
        own_id = self.base.id if self.base is not None else None
        return [v for v in self.service.open_next_steps(employer_id) if v.id != own_id]

    def close_task(self, visit_id: str, *, done: bool) -> None:
        from app.state.today import close_next_step  # the same words as on Today

        self.task_message = close_next_step(self.service, visit_id, done=done)

    def set_next_step_in(self, days: int) -> None:
        self.set_field("next_step_on", days_from(self.service.clock.now().date(), days))

    async def capture_location(
        self, provider: LocationProvider, timeout_s: float = DEFAULT_FIX_TIMEOUT_S
    ) -> None:
        """Ask for a fix once, when the form opens; the save never waits for it."""
        if self.editing:
            return
        self.locating = True
        try:
            fix = await provider.current_fix(timeout_s)
        finally:
            self.locating = False
        if fix is not None:
            self.fix = fix

    def geotag_for_save(self) -> Geotag:
        if self.fix is not None and self.fix.source is not GeotagSource.NONE:
            return self.fix
        return fallback_geotag(self.selected_employer())

    @property
    def location_text(self) -> str:
        if self.locating and self.fix is None:
            return "Finding your location… (you can save now)"
        if self.fix is not None and self.fix.source is GeotagSource.GPS:
            return describe(self.fix)
        tag = fallback_geotag(self.selected_employer())
        if tag.source is GeotagSource.EMPLOYER_ADDRESS:
            return "No GPS fix: the employer's address will be used"
        return "No GPS fix: saved without a location"

    @property
    def location_warning(self) -> str | None:
        return accuracy_warning(self.fix)

    @property
    def location_check(self) -> LocationCheck:
        """How far the fix is from the chosen employer (shown before saving, so it can be fixed)."""
        return check_visit_location(self.fix, employer_point(self.selected_employer()), rules=self.rules)

    @property
    def distance_text(self) -> str | None:
        """E.g. "120 m from Harbour Bakery", warning past the threshold; None when unknown."""
        check, employer = self.location_check, self.selected_employer()
        if check.distance_m is None or employer is None:
            return None
        text = f"{format_distance(check.distance_m)} from {employer.name}."
        if LocationFlag.FAR in check.flags:
            limit = format_distance(self.rules.max_distance_m)
            text += f" That is more than {limit}: check the employer, or the supervisor will see a flag."
        return text

    def build(self) -> EmployerVisit:
        parse = Parser(self.tz)
        occurred_at = parse.datetime("occurred_at", self.text("occurred_at"))
        next_step_on = parse.date("next_step_on", self.text("next_step_on"))
        parse.check()
        fields: dict[str, Any] = {
            "employer_id": self.text("employer_id"),
            "occurred_at": occurred_at,
            "contact_mode": ContactMode(self.text("contact_mode")),
            "purpose": VisitPurpose(self.text("purpose")),
            "met_hiring_manager": bool(self.values.get("met_hiring_manager")),
            "met_person": self.text("met_person").strip(),
            "job_seeker_ids": list(self.values.get("job_seeker_ids") or []),
            "undisclosed_job_seeker_ids": list(self.values.get("undisclosed_job_seeker_ids") or []),
            "outcome": self.text("outcome").strip(),
            "next_step": self.text("next_step").strip(),
            "next_step_on": next_step_on,
            "disclosure_reason": self.text("disclosure_reason").strip(),
        }
        if isinstance(self.base, EmployerVisit):
            return replace(self.base, **fields)
        return EmployerVisit(geotag=self.geotag_for_save(), **fields)


def employer_point(employer: Employer | None) -> tuple[float, float] | None:
    if employer is None or employer.latitude is None or employer.longitude is None:
        return None
    return employer.latitude, employer.longitude
