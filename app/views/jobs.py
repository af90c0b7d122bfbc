"""Jobs held (issue 15): "Job started" (employer, title, start, hours, pay; from an opening
optionally) and "Job ended" (the date and why), opened from the job seeker's page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import JobEndReason, Market, Permanence, WageUnit
from app.domain.labels import options
from app.domain.records import Job
from app.state.jobs import JobEndFormState, JobStartFormState
from app.views.forms_common import date_field, employer_picker, message_banner, save_button
from app.views.picker import search_picker
from app.views.widgets import banner, choice_chips, screen, section, text_field

if TYPE_CHECKING:
    from app.views.shell import Screen, Shell


def job_started_screen(shell: Shell, job_seeker_id: str) -> Screen:
    return JobStartView(
        shell, JobStartFormState(shell.ctx.service, job_seeker_id=job_seeker_id, wages=shell.ctx.wages)
    )


def job_ended_screen(shell: Shell, job_id: str) -> Screen:
    job = shell.ctx.service.load("job", job_id)
    assert isinstance(job, Job)
    return JobEndView(shell, JobEndFormState(shell.ctx.service, base=job))


class JobStartView:
    def __init__(
        self, shell: Shell, state: JobStartFormState, *, after: Callable[[], None] | None = None
    ) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        self.after = after or shell.back  # what a save leads to (a check-in's form: back to it)
        self.employer_matches = ft.Column(spacing=8)  # the employer search's results, redrawn in place
        self.opening_matches = ft.Column(spacing=8)  # the opening search's, likewise

    def _set(self, name: str) -> Any:
        return self.shell.then_refresh(partial(self.state.set_field, name))

    def footer(self) -> ft.Control:
        return save_button(self.shell, self.state, "Save job", "save-job", self.after)

    def build(self) -> ft.Control:
        state = self.state
        return screen(
            *message_banner(state),
            *(
                [
                    section(
                        "From an opening (optional)",
                        *search_picker(
                            self.shell,
                            state.opening_pick,
                            self.opening_matches,
                            identifier="job-opening",
                            noun="opening",
                            hint="Type part of its title or employer",
                            none_label="None",
                        ),
                    )
                ]
                if state.openings
                else []
            ),
            section(
                "Employer",
                *employer_picker(
                    self.shell, state, self.employer_matches, identifier="job-employer", new_employer=True
                ),
            ),
            text_field(state, "title", "Job title"),
            date_field(self.shell, state, "started_on", "Started on"),
            ft.Row(
                [
                    ft.Container(text_field(state, "wage", "Pay", keyboard=ft.KeyboardType.NUMBER), expand=1),
                    ft.Container(
                        text_field(state, "hours_per_week", "Hours a week", keyboard=ft.KeyboardType.NUMBER),
                        expand=1,
                    ),
                ]
            ),
            choice_chips(
                options(WageUnit), state.text("wage_unit"), self._set("wage_unit"), identifier="job-wage-unit"
            ),
            section(
                "Kind of job",
                choice_chips(options(Permanence), state.text("permanence"), self._set("permanence")),
                choice_chips(options(Market), state.text("market"), self._set("market")),
            ),
            text_field(state, "notes", "Notes", multiline=True),
        )


class JobEndView:
    def __init__(
        self, shell: Shell, state: JobEndFormState, *, after: Callable[[], None] | None = None
    ) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        self.after = after or shell.back  # what a save leads to (a check-in's form: back to it)

    def footer(self) -> ft.Control:
        return save_button(self.shell, self.state, "Save", "save-job-end", self.after)

    def build(self) -> ft.Control:
        state = self.state
        reason_error = state.errors.get("end_reason")
        return screen(
            *message_banner(state),
            ft.Text(state.job.title or "Job", size=18, weight=ft.FontWeight.W_600),
            date_field(self.shell, state, "ended_on", "Ended on"),
            section(
                "Why it ended",
                choice_chips(
                    options(JobEndReason),
                    state.text("end_reason"),
                    self.shell.then_refresh(lambda v: state.set_field("end_reason", v)),
                    identifier="job-end-reason",
                ),
                *(
                    [banner(reason_error, kind="error", identifier="job-end-reason-error")]
                    if reason_error
                    else []
                ),
            ),
        )
