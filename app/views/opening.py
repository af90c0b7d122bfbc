"""Log a job opening: employer (recent ones as chips, the rest found by typing), title, pay and
hours, and where it stands."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import FoundVia, Market, OpeningStatus, Permanence, WageUnit
from app.domain.labels import options
from app.state.opening_form import OpeningFormState
from app.views.forms_common import date_field, disclosure_block, employer_picker, message_banner, save_button
from app.views.widgets import banner, choice_chips, screen, section, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class OpeningView:
    def __init__(self, shell: Shell, state: OpeningFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        # Redrawn in place as the wage or hours are typed: rebuilding the form would take the keyboard.
        self.wage_hint = ft.Container()
        self.employer_matches = ft.Column(spacing=8)  # the employer search's results, redrawn in place

    def _wage_hint(self) -> ft.Control | None:
        hint = self.state.wage_hint
        return banner(hint, kind="warn", identifier="wage-hint") if hint else None

    def _retype_hint(self) -> None:
        self.wage_hint.content = self._wage_hint()
        self.shell.update_in_place(self.wage_hint)

    def _set(self, name: str) -> Any:
        return self.shell.then_refresh(partial(self.state.set_field, name))

    def _toggle(self, seeker_id: str) -> None:
        self.state.toggle_job_seeker(seeker_id)
        self.shell.refresh()

    def _hint_slot(self) -> ft.Control:
        self.wage_hint.content = self._wage_hint()
        return self.wage_hint

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save opening", "save-opening", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state
        book, employer_id = state.service.disclosures(), state.text("employer_id")
        seekers = [
            (s.id, s.code if book.may_name(s, employer_id) else f"{s.code} (no disclosure)")
            for s in state.job_seekers[:8]
        ]
        return screen(
            *message_banner(state),
            section(
                "Employer",
                *employer_picker(self.shell, state, self.employer_matches, identifier="opening-employer"),
            ),
            text_field(state, "title", "Job title"),
            ft.Row(
                [
                    ft.Container(
                        text_field(
                            state,
                            "wage",
                            state.wage_label,
                            keyboard=ft.KeyboardType.NUMBER,
                            on_typed=self._retype_hint,
                        ),
                        expand=1,
                    ),
                    ft.Container(
                        text_field(
                            state,
                            "hours_per_week",
                            "Hours a week",
                            keyboard=ft.KeyboardType.NUMBER,
                            on_typed=self._retype_hint,
                        ),
                        expand=1,
                    ),
                ]
            ),
            choice_chips(
                options(WageUnit), state.text("wage_unit"), self._set("wage_unit"), identifier="wage-unit"
            ),
            self._hint_slot(),
            section(
                "Status",
                choice_chips(
                    options(OpeningStatus),
                    state.text("status"),
                    self._set("status"),
                    identifier="opening-status",
                ),
            ),
            section(
                "Kind of job",
                choice_chips(options(Permanence), state.text("permanence"), self._set("permanence")),
                choice_chips(options(Market), state.text("market"), self._set("market")),
                choice_chips(options(FoundVia), state.text("found_via"), self._set("found_via")),
            ),
            *(
                [
                    section(
                        "Matched job seekers",
                        choice_chips(
                            seekers,
                            state.value("job_seeker_ids") or [],
                            self.shell.handler(self._toggle),
                            identifier="opening-seeker-choice",
                        ),
                    )
                ]
                if seekers
                else []
            ),
            *disclosure_block(state, state.needs_disclosure_reason()),
            date_field(self.shell, state, "noted_on", "Noted on"),
            date_field(self.shell, state, "started_on", "Job started on, if hired"),
        )
