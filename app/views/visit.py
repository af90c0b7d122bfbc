"""Log an employer visit: employer first (recent ones as chips, the rest found by typing part of the
name), defaults for the rest, save in reach."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import ContactMode, VisitPurpose
from app.domain.labels import options
from app.state.visit_form import NEXT_STEP_SHORTCUTS, VisitFormState
from app.views.forms_common import (
    date_field,
    disclosure_block,
    employer_picker,
    message_banner,
    save_button,
)
from app.views.widgets import banner, choice_chips, screen, section, tagged, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class VisitView:
    def __init__(self, shell: Shell, state: VisitFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        # Updated in place when the fix arrives: re-building the whole form then would drop a tap
        # the specialist is making at that moment.
        self.location_box = ft.Container()
        self.location_shown: tuple[str, str] | None = None  # the text and kind in location_box
        self.employer_matches = ft.Column(spacing=8)  # the search's results, redrawn in place
        if not state.editing:
            shell.page.run_task(self._locate)

    async def _locate(self) -> None:
        await self.state.capture_location(self.shell.ctx.location, self.shell.ctx.fix_timeout_s)
        # Redrawn only when the line says something else: with no fix it says what it said.
        if self.shell.stack and self.shell.stack[-1] is self and self._location_line() != self.location_shown:
            self.location_box.content = self._location()
            self.shell.update_in_place(self.location_box)

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save visit", "save-visit", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state
        return screen(
            *message_banner(state),
            self._employer_section(),
            *self._open_tasks(),
            # Right under the employer: a visit far from the employer's address is flagged where
            # the specialist looks first, not below the fold.
            self._location_slot(),
            section(
                "How and why",
                choice_chips(
                    options(ContactMode),
                    state.text("contact_mode"),
                    self.shell.then_refresh(lambda v: state.set_field("contact_mode", v)),
                    identifier="mode",
                ),
                choice_chips(
                    options(VisitPurpose),
                    state.text("purpose"),
                    self.shell.then_refresh(lambda v: state.set_field("purpose", v)),
                    identifier="purpose",
                ),
            ),
            date_field(self.shell, state, "occurred_at", "When", shortcuts=(), with_time=True),
            ft.Switch(
                label="Met the hiring manager",
                padding=ft.Padding.symmetric(horizontal=4, vertical=6),  # 52 px tall, not 40
                value=bool(state.value("met_hiring_manager")),
                on_change=self.shell.handler(
                    lambda e: state.set_field("met_hiring_manager", e.control.value)
                ),
            ),
            text_field(state, "met_person", "Who you met (role or first name)"),
            self._seekers_section(),
            *self._behalf(),
            *disclosure_block(state, state.needs_disclosure_reason()),
            text_field(state, "outcome", "Outcome", multiline=True),
            text_field(state, "next_step", "Next step"),
            date_field(self.shell, state, "next_step_on", "Next step due", shortcuts=NEXT_STEP_SHORTCUTS),
        )

    def _employer_section(self) -> ft.Control:
        """The recent employers as chips (and the chosen one), a search for any other, and New
        employer (the shared picker: forms_common.employer_picker)."""
        picker = employer_picker(
            self.shell, self.state, self.employer_matches, identifier="employer", new_employer=True
        )
        return section("Employer", *picker)

    def _open_tasks(self) -> list[ft.Control]:
        """The employer's open next steps from earlier visits: this visit may have done them."""
        state = self.state
        tasks = state.open_tasks
        if not tasks and not state.task_message:
            return []
        rows = [
            task_row(
                self.shell,
                f"task-{index}",
                visit.next_step or "Next step",
                f"Due {visit.next_step_on:%a %-d %b}" if visit.next_step_on else "No date set",
                on_done=lambda _e, vid=visit.id: state.close_task(vid, done=True),
                on_dismiss=lambda _e, vid=visit.id: state.close_task(vid, done=False),
            )
            for index, visit in enumerate(tasks)
        ]
        note = [ft.Text(state.task_message, size=14)] if state.task_message else []
        return [section("Open tasks with this employer", *rows, *note)]

    def _seekers_section(self) -> ft.Control:
        state = self.state
        behalf = set(state.value("undisclosed_job_seeker_ids") or [])
        options = [
            (s.id, s.code if state.may_name(s) else f"{s.code} (no disclosure)")
            for s in state.job_seekers[:8]
            if s.id not in behalf
        ]
        if not options:
            return ft.Container()
        return section(
            "Job seekers discussed",
            choice_chips(
                options,
                state.value("job_seeker_ids") or [],
                self.shell.then_refresh(state.toggle_job_seeker),
                identifier="seeker-choice",
            ),
        )

    def _behalf(self) -> list[ft.Control]:
        """Issue 15: "On behalf, not disclosed": offered in one tap while a named job seeker has not
        agreed to disclosure to this employer; those moved are listed (a tap takes one off)."""
        state = self.state
        controls: list[ft.Control] = []
        if state.needs_disclosure_reason():
            controls.append(
                tagged(
                    "on-behalf",
                    ft.OutlinedButton(
                        "On behalf, not disclosed",
                        icon=ft.Icons.VISIBILITY_OFF,
                        height=48,
                        on_click=self.shell.then_refresh(lambda _e: state.on_behalf_not_disclosed()),
                    ),
                )
            )
        behalf = state.behalf_seekers()
        if behalf:
            controls.append(
                section(
                    "On behalf, not disclosed (never named to the employer)",
                    choice_chips(
                        [(s.id, s.code) for s in behalf],
                        [s.id for s in behalf],
                        self.shell.then_refresh(state.toggle_job_seeker),
                        identifier="behalf-choice",
                    ),
                )
            )
        return controls

    def _location_slot(self) -> ft.Control:
        self.location_box.content = self._location()
        return self.location_box

    def _location(self) -> ft.Control:
        text, kind = self.location_shown = self._location_line()
        return banner(text, kind=kind, identifier="visit-location")

    def _location_line(self) -> tuple[str, str]:
        """The location line's text, and its banner kind."""
        state = self.state
        warning = state.location_warning
        distance = state.distance_text
        text = " · ".join(part for part in (state.location_text, warning, distance) if part)
        flagged = bool(warning) or state.location_check.flagged
        return text, "warn" if flagged else "info"


def task_row(
    shell: Shell,
    identifier: str,
    title: str,
    detail: str,
    *,
    on_done: Any,
    on_dismiss: Any,
    on_log: Any = None,
    then: Callable[[Any], Any] | None = None,
    warn: bool = False,
) -> ft.Control:
    """One open task with its two ways to close it, each a full-size target for a thumb; on Today
    also a third, to log the visit that does it. `then` wraps Done and Dismiss into handlers (the
    Shell's then_refresh, which rebuilds the screen, unless given)."""
    wrap = then or shell.then_refresh
    log = (
        [
            tagged(
                f"{identifier}-log",
                ft.TextButton("Log visit", icon=ft.Icons.STOREFRONT, height=48, on_click=on_log),
            )
        ]
        if on_log is not None
        else []
    )
    return tagged(
        identifier,
        ft.Container(
            ft.Column(
                [
                    ft.Text(title, size=16, weight=ft.FontWeight.W_500),
                    ft.Text(detail, size=14, color=ft.Colors.RED_700 if warn else ft.Colors.BLUE_GREY_700),
                    ft.Row(
                        [
                            tagged(
                                f"{identifier}-done",
                                ft.FilledTonalButton(
                                    "Done",
                                    icon=ft.Icons.CHECK,
                                    height=48,
                                    on_click=wrap(on_done),
                                ),
                            ),
                            tagged(
                                f"{identifier}-dismiss",
                                ft.TextButton("Dismiss", height=48, on_click=wrap(on_dismiss)),
                            ),
                            *log,
                        ],
                        wrap=True,
                    ),
                ],
                spacing=4,
                tight=True,
            ),
            padding=ft.Padding.symmetric(horizontal=8, vertical=4),
        ),
    )
