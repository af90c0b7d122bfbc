"""Job seekers: the caseload (recently supported first) and the add/edit form."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import BenefitsCounselling, Disclosure, PracticalHelp, SeekerStatus
from app.domain.labels import options
from app.state.job_seekers import JobSeekerFormState, JobSeekersState
from app.views.forms_common import date_field, message_banner, save_button
from app.views.openings import live_search
from app.views.paging import Pager
from app.views.widgets import big_button, choice_chips, dropdown, list_row, screen, section, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class JobSeekersView:
    title = "Job seekers"

    def __init__(self, shell: Shell, state: JobSeekersState) -> None:
        self.shell = shell
        self.state = state
        self.rows = ft.Column(spacing=8)
        self.pager = Pager(
            shell, self.rows, "job-seeker-rows", total=lambda: len(self.state.rows), build=self._rows_between
        )

    def reload(self) -> None:
        self.state.refresh()

    def _redraw(self, query: str) -> None:
        self.state.set_query(query)
        self.rows.controls = self._row_controls()

    def _row_controls(self) -> list[ft.Control]:
        if not self.state.rows:
            searching = bool(self.state.query.strip())
            empty = "No job seeker matches your search." if searching else "No job seekers yet."
            return [ft.Text(empty, size=15)]
        return self.pager.first_page()  # only the first page is built and sent

    def _rows_between(self, start: int, end: int) -> list[ft.Control]:
        from app.views.screens import detail_screen

        def open_row(record_id: str) -> Any:
            return self.shell.handler(
                lambda _e: self.shell.push(detail_screen(self.shell, "job_seeker", record_id))
            )

        return [
            list_row(
                row.code,
                row.detail,
                open_row(row.id),
                icon=ft.Icons.PERSON if row.discloses else ft.Icons.LOCK_PERSON,
                trailing=row.due or None,
                warn=row.due.startswith("overdue"),
                identifier=f"job-seeker-row-{index}",
            )
            for index, row in enumerate(self.state.rows[start:end], start)
        ]

    def build(self) -> ft.Control:
        from app.views.screens import log_screen

        self.rows.controls = self._row_controls()
        return screen(
            ft.Text(self.state.caseload_note, size=15, color=ft.Colors.BLUE_GREY_700),
            live_search(
                self.shell,
                "job-seeker-search",
                "Search job seekers",
                value=self.state.query,
                rows=self.rows,
                redraw=self._redraw,
            ),
            ft.Row(
                [
                    big_button(
                        "Add job seeker",
                        ft.Icons.PERSON_ADD_ALT,
                        self.shell.handler(lambda _e: self.shell.push(log_screen(self.shell, "job_seeker"))),
                        identifier="add-job-seeker",
                        filled=False,
                    )
                ]
            ),
            self.rows,
        )


class JobSeekerFormView:
    def __init__(self, shell: Shell, state: JobSeekerFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title

    def _set(self, name: str) -> Any:
        return self.shell.then_refresh(partial(self.state.set_field, name))

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save job seeker", "save-job-seeker", self.shell.back)

    def _journey(self) -> list[ft.Control]:
        """Issue 15: the meetings before work, the practical help, and when the job search starts."""
        state = self.state
        note = ft.Text(state.search_start_note, size=13, color=ft.Colors.BLUE_GREY_700)
        return [
            section(
                "Meetings before work",
                date_field(self.shell, state, "engagement_on", "Engagement meeting"),
                date_field(self.shell, state, "career_profile_on", "Career profile meeting"),
                date_field(self.shell, state, "job_search_plan_on", "Job search plan meeting"),
            ),
            section(
                "Practical help",
                choice_chips(
                    options(PracticalHelp),
                    state.value("practical_help") or [],
                    self.shell.then_refresh(state.toggle_practical_help),
                    identifier="practical-help",
                ),
            ),
            section(
                "Job search",
                date_field(self.shell, state, "job_search_started_on", "Job search started on"),
                note,
            ),
        ]

    def _strengths(self) -> list[ft.Control]:
        """Issue 15: skills, experience and what they would take, for the Matches on their page."""
        state = self.state
        number = ft.KeyboardType.NUMBER
        return [
            text_field(state, "skills", "Skills (comma separated)"),
            text_field(state, "experience", "Experience", multiline=True),
            section(
                "Hours a week they would work",
                ft.Row(
                    [
                        ft.Container(
                            text_field(state, "min_hours_per_week", "At least", keyboard=number), expand=True
                        ),
                        ft.Container(
                            text_field(state, "max_hours_per_week", "At most", keyboard=number), expand=True
                        ),
                    ],
                    spacing=8,
                ),
            ),
            text_field(state, "min_pay_per_hour", "Lowest pay an hour", keyboard=number),
            text_field(state, "max_travel_km", "Farthest to travel (km)", keyboard=number),
        ]

    def build(self) -> ft.Control:
        state = self.state
        return screen(
            *message_banner(state),
            text_field(state, "code", "Code or first name"),
            # The team's code format in full: a field's helper line is cut at phone width.
            ft.Text(state.code_explanation, size=13, color=ft.Colors.BLUE_GREY_700),
            date_field(self.shell, state, "referral_date", "Referral date"),
            text_field(state, "referral_source", "Referred by"),
            text_field(state, "clinical_team", "Clinical team"),
            section(
                "Disclosure to employers",
                choice_chips(options(Disclosure), state.text("disclosure"), self._set("disclosure")),
            ),
            section("Status", choice_chips(options(SeekerStatus), state.text("status"), self._set("status"))),
            text_field(state, "preferred_job_types", "Jobs they want (comma separated)"),
            text_field(state, "preferred_hours", "Hours they want"),
            text_field(state, "preferred_places", "Where they want to work"),
            text_field(state, "avoid", "Things to avoid"),
            *self._strengths(),
            section(
                "Benefits counselling",
                choice_chips(
                    options(BenefitsCounselling),
                    state.text("benefits_counselling"),
                    self._set("benefits_counselling"),
                ),
                date_field(self.shell, state, "benefits_counselling_on", "Benefits counselling date"),
                date_field(self.shell, state, "better_off_calculation_on", "Better-off calculation done on"),
            ),
            *self._journey(),
            dropdown(
                "Current employer",
                [("", "None")] + [(e.id, e.name) for e in state.employers],
                state.text("current_employer_id"),
                self._set("current_employer_id"),
            ),
            date_field(self.shell, state, "job_started_on", "Job started on"),
        )
