"""Log an in-work support check-in: the worker first (workers in a job are offered first; any
other job seeker is found by part of their code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import CheckInPlace, CheckInWith, ContactMode
from app.domain.labels import options
from app.domain.records import Employer
from app.state.checkin_form import NEXT_CHECK_IN_SHORTCUTS, CheckInFormState
from app.state.jobs import JobEndFormState, JobStartFormState
from app.views.forms_common import (
    date_field,
    disclosure_block,
    employer_picker,
    message_banner,
    save_button,
)
from app.views.picker import search_picker
from app.views.widgets import choice_chips, screen, section, tagged, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class CheckInView:
    def __init__(self, shell: Shell, state: CheckInFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        self.employer_matches = ft.Column(spacing=8)  # the employer search's results, redrawn in place
        self.worker_matches = ft.Column(spacing=8)  # the worker search's, likewise

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save check-in", "save-check-in", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state
        return screen(
            *message_banner(state),
            section(
                "Worker",
                *search_picker(
                    self.shell,
                    state.worker_pick,
                    self.worker_matches,
                    identifier="worker",
                    noun="job seeker",
                    hint="Type part of their code",
                ),
            ),
            section(
                "With",
                choice_chips(
                    options(CheckInWith),
                    state.text("with_whom"),
                    self.shell.then_refresh(state.set_with_whom),
                    identifier="with",
                ),
            ),
            *disclosure_block(state, state.needs_disclosure_reason()),
            *self._job_choice(),
            section(
                "Employer",
                *employer_picker(
                    self.shell, state, self.employer_matches, identifier="check-in-employer", optional=True
                ),
            ),
            section(
                "How and where",
                choice_chips(
                    options(ContactMode),
                    state.text("mode"),
                    self.shell.then_refresh(lambda v: state.set_field("mode", v)),
                ),
                choice_chips(
                    options(CheckInPlace),
                    state.text("place"),
                    self.shell.then_refresh(lambda v: state.set_field("place", v)),
                ),
            ),
            date_field(self.shell, state, "occurred_at", "When", shortcuts=(), with_time=True),
            text_field(state, "topics", "Topics (comma separated)", hint="hours, travel, a new manager"),
            text_field(state, "concerns", "Concerns", multiline=True),
            date_field(
                self.shell, state, "next_check_in_on", "Next check-in", shortcuts=NEXT_CHECK_IN_SHORTCUTS
            ),
        )

    def _job_form(self, make: Callable[[], JobStartFormState | JobEndFormState]) -> Callable[..., Any]:
        """Open the job seeker page's own job form over this one; after its save, back here with
        everything typed kept, the worker's jobs read again (a new job chosen)."""
        from app.views.jobs import JobEndView, JobStartView

        def go(_e: Any) -> None:
            form = make()

            def after() -> None:
                self.state.job_form_saved(form)
                self.shell.back()

            view = (
                JobStartView(self.shell, form, after=after)
                if isinstance(form, JobStartFormState)
                else JobEndView(self.shell, form, after=after)
            )
            self.shell.push(view)

        return self.shell.handler(go)

    def _job_actions(self) -> ft.Control:
        state = self.state
        buttons = [
            tagged(
                "check-in-job-started",
                ft.TextButton(
                    "New job started",
                    icon=ft.Icons.WORK_OUTLINE,
                    on_click=self._job_form(lambda: state.job_started_form(wages=self.shell.ctx.wages)),
                ),
            )
        ]
        if state.can_end_job():
            buttons.insert(
                0,
                tagged(
                    "check-in-job-ended",
                    ft.TextButton(
                        "Job ended",
                        icon=ft.Icons.WORK_OFF_OUTLINED,
                        on_click=self._job_form(state.job_ended_form),
                    ),
                ),
            )
        return ft.Row(buttons, wrap=True, spacing=4)

    def _job_choice(self) -> list[ft.Control]:
        """Which of the worker's jobs the check-in is about (current ones first), with "Job ended"
        for the chosen one and "New job started"; only the latter for someone with no job here."""
        state = self.state
        if not state.text("job_seeker_id"):
            return []
        employers = state.service.employers_by_id()
        jobs = state.jobs[:6]
        if not jobs:
            return [section("Job", self._job_actions())]
        choices = [
            (
                j.id,
                # "Ended" first: a long title and employer are cut off at the chip's end.
                ("" if j.ended_on is None else "Ended: ")
                + f"{j.title or 'Job'} · {_name(employers.get(j.employer_id))}",
            )
            for j in jobs
        ]
        return [
            section(
                "Job",
                choice_chips(
                    choices,
                    state.text("job_id"),
                    self.shell.then_refresh(state.select_job),
                    identifier="check-in-job",
                ),
                self._job_actions(),
            )
        ]


def _name(employer: Employer | None) -> str:
    return employer.name if employer is not None else "employer"
