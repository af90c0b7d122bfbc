"""Log (or edit) an in-work support check-in with a worker, their employer, or both."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.enums import CheckInPlace, CheckInWith, ContactMode, SeekerStatus
from app.domain.jobs import current_job_at, is_current, jobs_of
from app.domain.records import Employer, Job, JobSeeker, Record, SupportCheckIn
from app.domain.rules import WageRules
from app.domain.search import fold
from app.domain.validation import NOT_THIS_WORKERS_JOB
from app.records import RecordService
from app.state.forms import EmployerPicking, Parser, days_from, format_date, format_time, split_list
from app.state.jobs import JobEndFormState, JobStartFormState
from app.state.picker import RecordPick

NEXT_CHECK_IN_SHORTCUTS = (("In 3 days", 3), ("In 1 week", 7), ("In 1 month", 30))
RECENT_WORKERS = 6  # job seekers offered as chips (workers first); any other is found by its code


class CheckInFormState(EmployerPicking):
    title = "Log a check-in"
    noun = "Check-in"

    def __init__(
        self, service: RecordService, *, base: SupportCheckIn | None = None, job_seeker_id: str | None = None
    ) -> None:
        super().__init__(service, base=base)
        self.tz = service.clock.now().tzinfo
        self.all_jobs: list[Job] = service.all("job", Job)
        self.employers: list[Employer] = service.recent_employers()
        self.job_seekers: list[JobSeeker] = self._workers_first()
        self._seeker_keys: dict[str, tuple[str, ...]] | None = None
        # The worker: the recent few as chips, any other found by part of their code (app.state.picker).
        self.worker_pick: RecordPick[JobSeeker] = RecordPick(
            self,
            "job_seeker_id",
            records=lambda: self.job_seekers,
            keys=self._seeker_search_keys,
            by_id=service.job_seekers_by_id,
            label=lambda seeker: seeker.code,
            pick=lambda seeker_id: self.select_job_seeker(seeker_id),
            recent=RECENT_WORKERS,
        )
        if base is not None:
            self.title = "Edit check-in"
            self.values = {
                "job_seeker_id": base.job_seeker_id,
                "employer_id": base.employer_id or "",
                "occurred_at": format_time(base.occurred_at, self.tz),
                "with_whom": base.with_whom.value,
                "mode": base.mode.value,
                "place": base.place.value,
                "topics": ", ".join(base.topics),
                "concerns": base.concerns,
                "next_check_in_on": format_date(base.next_check_in_on),
                "disclosure_reason": base.disclosure_reason,
                "job_id": base.job_id or "",
            }
            if base.disclosure_reason:
                self.disclosure_message = (
                    "This check-in involves the employer of someone who has not agreed to disclosure."
                )
        else:
            self.values = {
                "job_seeker_id": "",
                "employer_id": "",
                "occurred_at": format_time(service.clock.now(), self.tz),
                "with_whom": CheckInWith.WORKER.value,
                "mode": ContactMode.FACE_TO_FACE.value,
                "place": CheckInPlace.ELSEWHERE.value,
                "topics": "",
                "concerns": "",
                "next_check_in_on": days_from(service.clock.now().date(), 7),
                "disclosure_reason": "",
                "job_id": "",
            }
            if job_seeker_id:
                self.select_job_seeker(job_seeker_id)

    def _workers_first(self) -> list[JobSeeker]:
        """Workers first: a check-in is in-work support."""
        seekers = self.service.recent_job_seekers()
        return [s for s in seekers if s.status is SeekerStatus.WORKING] + [
            s for s in seekers if s.status is not SeekerStatus.WORKING
        ]

    def _seeker_search_keys(self) -> dict[str, tuple[str, ...]]:
        """Each job seeker's code folded for the worker search, built at its first keystroke."""
        if self._seeker_keys is None:
            self._seeker_keys = {s.id: (fold(s.code),) for s in self.job_seekers}
        return self._seeker_keys

    def select_job_seeker(self, seeker_id: str) -> None:
        """Choosing a worker fills in their current employer, and the job the check-in is about."""
        self.set_field("job_seeker_id", seeker_id)
        seeker = self.selected_job_seeker()
        if seeker is not None and seeker.current_employer_id and not self.text("employer_id"):
            self.values["employer_id"] = seeker.current_employer_id
        self.values["job_id"] = ""
        self._default_job()
        self._refresh_disclosure()

    @property
    def jobs(self) -> list[Job]:
        """The chosen worker's jobs, current first: the check-in belongs to one of them."""
        return jobs_of(self.all_jobs, self.text("job_seeker_id"))

    def pick_employer(self, employer_id: str) -> None:
        self.select_employer(employer_id)

    def select_employer(self, employer_id: str) -> None:
        self.set_field("employer_id", employer_id)
        if not self.text("job_id"):
            self._default_job()

    def select_job(self, job_id: str) -> None:
        """Choosing the job fills in its employer."""
        self.set_field("job_id", job_id)
        job = next((j for j in self.jobs if j.id == job_id), None)
        if job is not None:
            self.values["employer_id"] = job.employer_id
            self.errors.pop("employer_id", None)

    def _default_job(self) -> None:
        """The current job at the chosen employer (or the only current job), when none is chosen."""
        job = current_job_at(self.all_jobs, self.text("job_seeker_id"), self.text("employer_id") or None)
        if job is not None:
            self.values["job_id"] = job.id
            if not self.text("employer_id"):
                self.values["employer_id"] = job.employer_id

    # -- "Job ended" and "New job started" from the check-in (issue 15) --------------------------------
    # The check-in form stays open underneath with everything typed; the job form is the one the
    # job seeker's page opens (app.state.jobs), so its save brings the job seeker's status in step.

    def chosen_job(self) -> Job | None:
        wanted = self.text("job_id")
        return next((j for j in self.jobs if j.id == wanted), None)

    def can_end_job(self) -> bool:
        job = self.chosen_job()
        return job is not None and is_current(job)

    def job_ended_form(self) -> JobEndFormState:
        """ "Job ended" for the chosen job, ending on the check-in's day unless already ended."""
        job = self.chosen_job()
        if job is None:
            raise ValueError("choose the job first")
        form = JobEndFormState(self.service, base=job)
        day = self.typed_date("occurred_at")
        if job.ended_on is None and day is not None:
            form.values["ended_on"] = format_date(day)
        return form

    def job_started_form(self, *, wages: WageRules | None = None) -> JobStartFormState:
        """ "New job started" for the chosen worker, at the check-in's employer."""
        if not self.text("job_seeker_id"):
            raise ValueError("choose the worker first")
        form = JobStartFormState(self.service, job_seeker_id=self.text("job_seeker_id"), wages=wages)
        form.values["employer_id"] = self.text("employer_id")
        return form

    def job_form_saved(self, form: JobStartFormState | JobEndFormState) -> None:
        """Back from a saved job form: the worker's jobs read again; a new job is the one chosen."""
        self.all_jobs = self.service.all("job", Job)
        self.job_seekers = self._workers_first()  # their status may have changed
        self._seeker_keys = None
        self.reload_employers()  # the job form may have added one
        if isinstance(form, JobStartFormState) and not form.editing and form.saved is not None:
            self.select_job(str(form.saved.data["id"]))

    def set_with_whom(self, value: str) -> None:
        self.set_field("with_whom", value)
        self._refresh_disclosure()

    def selected_job_seeker(self) -> JobSeeker | None:
        wanted = self.text("job_seeker_id")
        return next((s for s in self.job_seekers if s.id == wanted), None)

    def needs_disclosure_reason(self) -> bool:
        seeker = self.selected_job_seeker()
        employer_facing = self.text("with_whom") != CheckInWith.WORKER.value
        if not employer_facing or seeker is None:
            return False
        # Issue 15: judged for the chosen employer (app.domain.rules.DisclosureBook).
        return not self.service.disclosures().may_name(seeker, self.text("employer_id"))

    def _refresh_disclosure(self) -> None:
        if not self.needs_disclosure_reason():
            self.disclosure_message = None
            self.errors.pop("disclosure_reason", None)

    def build_checked(self) -> tuple[Record, dict[str, str]]:
        """Also: the job must be one of the chosen worker's (the server refuses any other). Only
        when the job or the worker changed, so an old check-in whose job was deleted since can still
        be edited."""
        record, errors = super().build_checked()
        job_id, seeker_id = self.text("job_id"), self.text("job_seeker_id")
        unchanged = (
            isinstance(self.base, SupportCheckIn)
            and (self.base.job_id or "") == job_id
            and self.base.job_seeker_id == seeker_id
        )
        if job_id and not unchanged and all(job.id != job_id for job in self.jobs):
            # The job chips show no error of their own: the form's banner says it.
            others = " Check the fields marked in red." if errors else ""
            errors.setdefault("job_id", NOT_THIS_WORKERS_JOB)
            self.message = f"Not saved. Job: {NOT_THIS_WORKERS_JOB}.{others}"
        return record, errors

    def build(self) -> SupportCheckIn:
        parse = Parser(self.tz)
        occurred_at = parse.datetime("occurred_at", self.text("occurred_at"))
        next_on = parse.date("next_check_in_on", self.text("next_check_in_on"))
        parse.check()
        fields: dict[str, Any] = {
            "job_seeker_id": self.text("job_seeker_id"),
            "employer_id": self.text("employer_id") or None,
            "occurred_at": occurred_at,
            "with_whom": CheckInWith(self.text("with_whom")),
            "mode": ContactMode(self.text("mode")),
            "place": CheckInPlace(self.text("place")),
            "topics": split_list(self.text("topics")),
            "concerns": self.text("concerns").strip(),
            "next_check_in_on": next_on,
            "disclosure_reason": self.text("disclosure_reason").strip(),
            "job_id": self.text("job_id") or None,
        }
        if isinstance(self.base, SupportCheckIn):
            return replace(self.base, **fields)
        return SupportCheckIn(**fields)
