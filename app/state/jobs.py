"""Jobs held, on the phone (issue 15): "Job started" and "Job ended" from the job seeker's page,
and the job seeker's list of jobs (current first, then past, each with its tenure).

After a job is saved, the job seeker's record is saved too when their jobs change what it says
(app.domain.jobs.seeker_after_jobs_change): working while a job is current; when the last current
job ends, the job search starts again on the end date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.domain.enums import JobEndReason, Market, OpeningStatus, Permanence, WageUnit
from app.domain.jobs import (
    is_competitive_job,
    is_current,
    jobs_of,
    tenure_text,
)
from app.domain.labels import label
from app.domain.records import Employer, Job, JobOpening
from app.domain.rules import WageRules
from app.domain.search import fold
from app.records import RecordService
from app.state.forms import EmployerPicking, FormState, Parser, SaveResult, format_date
from app.state.picker import RecordPick


@dataclass(frozen=True)
class JobRow:
    """One job on the job seeker's page."""

    job_id: str
    title: str  # "Kitchen porter at Harbour Bakery"
    detail: str  # "Since Mon 3 Mar 2026 · 12 weeks · 16 h a week · £12.50 an hour · competitive"
    current: bool


def all_jobs(service: RecordService) -> list[Job]:
    return service.all("job", Job)


def job_rows(service: RecordService, seeker_id: str, *, wages: WageRules | None = None) -> list[JobRow]:
    wages = wages or WageRules()
    today = service.clock.now().date()
    employers = service.employers_by_id()
    rows = []
    for job in jobs_of(all_jobs(service), seeker_id):
        employer = employers.get(job.employer_id)
        where = employer.name if employer else "an unknown employer"
        parts = [
            f"Since {_day(job.started_on)}"
            if is_current(job)
            else f"{_day(job.started_on)} to {_day(job.ended_on)}",
            tenure_text(job, today),
        ]
        if job.hours_per_week is not None:
            parts.append(f"{job.hours_per_week:g} h a week")
        if job.wage is not None:
            parts.append(f"{wages.money(job.wage)} {label(job.wage_unit)}")
        competitive = is_competitive_job(job, minimum_wage=wages.minimum_wage)
        parts.append("competitive" if competitive else "not competitive")
        if job.end_reason is not None:
            parts.append(label(job.end_reason))
        rows.append(
            JobRow(
                job.id, f"{job.title or 'Job'} at {where}", " · ".join(p for p in parts if p), is_current(job)
            )
        )
    return rows


def _day(value: date | None) -> str:
    return f"{value:%a %-d %b %Y}" if value is not None else "?"


class _JobForm(FormState):
    """A job form whose save also brings the job seeker's record in step with their jobs."""

    note: str | None = None  # said after the save instead of the usual words

    @property
    def saved_message(self) -> str:
        return self.note or f"{self.noun} saved on this phone."

    def after_save(self, job: Job) -> None:
        refused = self.service.seeker_in_step_with_jobs(job.job_seeker_id)
        if refused is not None:
            # The job is saved; the job seeker's record is refused for a reason of its own (a code
            # in a format the team has since changed): say so, so the specialist edits it.
            self.note = (
                f"{self.noun} saved. Edit {refused.code} to update their status: their record has a problem."
            )

    def on_save(self) -> SaveResult:
        result = super().on_save()
        if result.ok and self.saved is not None:
            saved = self.service.load("job", str(self.saved.data["id"]))
            if isinstance(saved, Job):
                self.after_save(saved)
            self.message = self.saved_message
            return SaveResult(saved=result.saved, message=self.message)
        return result


class JobStartFormState(_JobForm, EmployerPicking):
    """ "Job started": employer (a recent one, one found by typing part of its name, or a new one),
    title, start date, hours, pay; filled from an opening optionally."""

    title = "Job started"
    noun = "Job"
    hold_new_employer = True  # New employer is saved with the job, not when added

    def __init__(
        self,
        service: RecordService,
        *,
        job_seeker_id: str = "",
        base: Job | None = None,
        wages: WageRules | None = None,
    ) -> None:
        super().__init__(service, base=base)
        self.wages = wages or WageRules()
        self.employers: list[Employer] = service.recent_employers()
        seeker_id = base.job_seeker_id if base is not None else job_seeker_id
        # Openings this job seeker is matched to come first; then the rest still open.
        done = (OpeningStatus.HIRED, OpeningStatus.CLOSED)
        openings = [o for o in service.openings() if o.status not in done]
        self.openings: list[JobOpening] = sorted(openings, key=lambda o: seeker_id not in o.job_seeker_ids)
        # "From an opening": the first few as chips, any other found by part of its title or
        # employer (app.state.picker), never a list of them all.
        self.opening_pick: RecordPick[JobOpening] = RecordPick(
            self,
            "opening_id",
            records=lambda: self.openings,
            keys=self._opening_search_keys,
            by_id=lambda: {o.id: o for o in self.openings},
            label=self.opening_label,
            pick=self.choose_opening,
        )
        self._opening_keys: dict[str, tuple[str, ...]] | None = None
        source = base or Job(job_seeker_id=seeker_id, started_on=service.clock.now().date())
        if base is not None:
            self.title = "Edit job"
        self.values = {
            "job_seeker_id": source.job_seeker_id,
            "opening_id": source.opening_id or "",
            "employer_id": source.employer_id,
            "title": source.title,
            "started_on": format_date(source.started_on),
            "hours_per_week": "" if source.hours_per_week is None else f"{source.hours_per_week:g}",
            "wage": "" if source.wage is None else f"{source.wage:g}",
            "wage_unit": source.wage_unit.value,
            "permanence": source.permanence.value,
            "market": source.market.value,
            "notes": source.notes,
        }

    def opening_label(self, opening: JobOpening) -> str:
        employer = self.service.employers_by_id().get(opening.employer_id)
        return f"{opening.title or 'Opening'} · {employer.name if employer is not None else '?'}"

    def _opening_search_keys(self) -> dict[str, tuple[str, ...]]:
        """Each opening's title and employer folded for the search, built at its first keystroke."""
        if self._opening_keys is None:
            employers = self.service.employer_search_keys()
            self._opening_keys = {
                o.id: (fold(o.title), employers.get(o.employer_id, ("", ""))[0]) for o in self.openings
            }
        return self._opening_keys

    def choose_opening(self, opening_id: str) -> None:
        """Fill the job from an opening (its employer, title, pay, hours, market, permanence)."""
        self.set_field("opening_id", opening_id)
        opening = next((o for o in self.openings if o.id == opening_id), None)
        if opening is None:
            return
        self.values.update(
            {
                "employer_id": opening.employer_id,
                "title": opening.title,
                "hours_per_week": "" if opening.hours_per_week is None else f"{opening.hours_per_week:g}",
                "wage": "" if opening.wage is None else f"{opening.wage:g}",
                "wage_unit": opening.wage_unit.value,
                "permanence": opening.permanence.value,
                "market": opening.market.value,
            }
        )
        for name in ("employer_id", "title", "hours_per_week", "wage"):
            self.errors.pop(name, None)

    def build(self) -> Job:
        parse = Parser(self.service.clock.now().tzinfo)
        started_on = parse.date("started_on", self.text("started_on"))
        hours = parse.number("hours_per_week", self.text("hours_per_week"))
        wage = parse.number("wage", self.text("wage"))
        parse.check()
        fields: dict[str, Any] = {
            "job_seeker_id": self.text("job_seeker_id"),
            "opening_id": self.text("opening_id") or None,
            "employer_id": self.text("employer_id"),
            "title": self.text("title").strip(),
            "started_on": started_on,
            "hours_per_week": hours,
            "wage": wage,
            "wage_unit": WageUnit(self.text("wage_unit")),
            "permanence": Permanence(self.text("permanence")),
            "market": Market(self.text("market")),
            "notes": self.text("notes").strip(),
        }
        if isinstance(self.base, Job):
            return replace(self.base, **fields)
        return Job(**fields)


class JobEndFormState(_JobForm):
    """ "Job ended": the date and the reason."""

    title = "Job ended"
    noun = "Job"

    def __init__(self, service: RecordService, *, base: Job) -> None:
        super().__init__(service, base=base)
        self.job = base
        self.values = {
            "ended_on": format_date(base.ended_on or service.clock.now().date()),
            "end_reason": base.end_reason.value if base.end_reason is not None else "",
        }

    def build(self) -> Job:
        parse = Parser(self.service.clock.now().tzinfo)
        ended_on = parse.date("ended_on", self.text("ended_on"))
        parse.check()
        reason = self.text("end_reason")
        return replace(self.job, ended_on=ended_on, end_reason=JobEndReason(reason) if reason else None)
