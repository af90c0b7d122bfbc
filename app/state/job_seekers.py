"""The caseload list, and the form to add or edit a job seeker (pseudonymous code, no diagnosis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.domain.enums import BenefitsCounselling, Disclosure, PracticalHelp, SeekerStatus
from app.domain.labels import label
from app.domain.records import Employer, JobSeeker
from app.domain.rules import CASELOAD_LIMIT
from app.domain.search import matches
from app.records import RecordService
from app.state.forms import FormState, Parser, format_date, split_list

# Issue 15: the journey before work, dates on the job seeker form (app.domain.validation checks them).
JOURNEY_DATES = (
    "job_search_started_on",
    "engagement_on",
    "career_profile_on",
    "job_search_plan_on",
    "better_off_calculation_on",
)

# Issue 15: what they would take, as numbers on the job seeker form (for matching).
PREFERENCE_NUMBERS = ("min_hours_per_week", "max_hours_per_week", "min_pay_per_hour", "max_travel_km")


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@dataclass(frozen=True)
class SeekerRow:
    id: str
    code: str
    detail: str
    discloses: bool
    due: str


class JobSeekersState:
    def __init__(self, service: RecordService) -> None:
        self.service = service
        self.query = ""
        self.active = 0
        self.rows: list[SeekerRow] = []
        self.refresh()

    def set_query(self, query: str) -> None:
        """Filter as the specialist types: code, status, disclosure, preferred jobs."""
        self.query = query
        self.refresh()

    @property
    def caseload_note(self) -> str:
        active = self.active  # the whole caseload, whatever the search shows
        note = f"{active} active"
        return note + (f" (IPS caseload limit is {CASELOAD_LIMIT})" if active > CASELOAD_LIMIT else "")

    def refresh(self) -> None:
        today = self.service.clock.now().date()
        due_by_seeker = {
            item.record_id: item
            for item in self.service.due_items(today, horizon_days=30)
            if item.record_kind == "job_seeker"
        }
        searching = bool(self.query.strip())  # folding every name for an empty query is wasted
        rows = []
        seekers = self.service.recent_job_seekers()
        self.active = sum(1 for seeker in seekers if seeker.status is not SeekerStatus.ENDED)
        for seeker in seekers:
            searched = (seeker.code, label(seeker.status), label(seeker.disclosure))
            if searching and not matches(self.query, *searched, *seeker.preferred_job_types):
                continue
            due_item = due_by_seeker.get(seeker.id)
            due = ""
            if due_item is not None:
                due = f"{'overdue' if due_item.overdue else 'due'} {due_item.due_on:%-d %b}"
            detail = f"{label(seeker.status)} · {label(seeker.disclosure)}"
            discloses = seeker.disclosure is Disclosure.CONSENTED
            rows.append(SeekerRow(seeker.id, seeker.code, detail, discloses, due))
        self.rows = rows


class JobSeekerFormState(FormState):
    title = "Add job seeker"
    noun = "Job seeker"

    def __init__(self, service: RecordService, *, base: JobSeeker | None = None) -> None:
        super().__init__(service, base=base)
        self.employers: list[Employer] = service.recent_employers()
        # The team's code format, explained under the code field (the save checks the same one).
        self.code_explanation = service.code_format().explanation
        if base is not None:
            self.title = "Edit job seeker"
        source = base or JobSeeker(referral_date=service.clock.now().date())
        self.values = {
            "code": source.code,
            "referral_date": format_date(source.referral_date),
            "referral_source": source.referral_source,
            "clinical_team": source.clinical_team,
            "preferred_job_types": ", ".join(source.preferred_job_types),
            "preferred_hours": source.preferred_hours,
            "preferred_places": source.preferred_places,
            "avoid": source.avoid,
            "disclosure": source.disclosure.value,
            "status": source.status.value,
            "benefits_counselling": source.benefits_counselling.value,
            "benefits_counselling_on": format_date(source.benefits_counselling_on),
            "job_started_on": format_date(source.job_started_on),
            "current_employer_id": source.current_employer_id or "",
            # Issue 15: the journey before work (dates as typed; practical help as chosen values)
            **{name: format_date(getattr(source, name)) for name in JOURNEY_DATES},
            "practical_help": [item.value for item in source.practical_help],
            # Issue 15: preferences and strengths, for matching (app.domain.matching)
            "skills": ", ".join(source.skills),
            "experience": source.experience,
            **{name: _number_text(getattr(source, name)) for name in PREFERENCE_NUMBERS},
        }

    @property
    def search_start_note(self) -> str:
        """Under the job search start: what an empty field means (app.domain.journey)."""
        if self.text("job_search_started_on").strip():
            return "The 30-day clock to the first employer contact starts on this day."
        referral = self.typed_date("referral_date")
        when = f" ({referral:%a %-d %b %Y})" if referral is not None else ""
        return f"Empty: the search starts on the referral date{when}, and the 30-day clock with it."

    def practical_help(self) -> list[PracticalHelp]:
        """The checklist's ticked items, in the checklist's order."""
        chosen = set(self.value("practical_help") or ())
        return [item for item in PracticalHelp if item.value in chosen]

    def toggle_practical_help(self, value: str) -> None:
        """A tap on a practical-help chip ticks or unticks it."""
        chosen = [item.value for item in self.practical_help()]
        self.set_field(
            "practical_help", [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        )

    def build(self) -> JobSeeker:
        parse = Parser(None)
        referral_date = parse.date("referral_date", self.text("referral_date"))
        job_started_on = parse.date("job_started_on", self.text("job_started_on"))
        counselling_on = parse.date("benefits_counselling_on", self.text("benefits_counselling_on"))
        journey = {name: parse.date(name, self.text(name)) for name in JOURNEY_DATES}
        numbers = {name: parse.number(name, self.text(name)) for name in PREFERENCE_NUMBERS}
        parse.check()
        fields: dict[str, Any] = {
            "code": self.text("code").strip(),
            "referral_date": referral_date,
            "referral_source": self.text("referral_source").strip(),
            "clinical_team": self.text("clinical_team").strip(),
            "preferred_job_types": split_list(self.text("preferred_job_types")),
            "preferred_hours": self.text("preferred_hours").strip(),
            "preferred_places": self.text("preferred_places").strip(),
            "avoid": self.text("avoid").strip(),
            "disclosure": Disclosure(self.text("disclosure")),
            "status": SeekerStatus(self.text("status")),
            "benefits_counselling": BenefitsCounselling(self.text("benefits_counselling")),
            "benefits_counselling_on": counselling_on,
            "job_started_on": job_started_on,
            "current_employer_id": self.text("current_employer_id") or None,
            **journey,
            "practical_help": self.practical_help(),
            "skills": split_list(self.text("skills")),
            "experience": self.text("experience").strip(),
            **numbers,
        }
        if isinstance(self.base, JobSeeker):
            return replace(self.base, **fields)
        return JobSeeker(**fields)
