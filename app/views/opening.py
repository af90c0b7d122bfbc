"""Log a job opening: employer, title, pay and hours, and where it stands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import Disclosure, FoundVia, Market, Permanence
from app.state.opening_form import STATUS_LABELS, WAGE_UNIT_LABELS, OpeningFormState
from app.views.forms_common import disclosure_block, enum_options, message_banner, save_button
from app.views.widgets import choice_chips, dropdown, screen, section, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell

PERMANENCE = {Permanence.PERMANENT: "Permanent", Permanence.TEMPORARY: "Temporary"}
MARKET = {Market.OPEN_MARKET: "Open to anyone", Market.SET_ASIDE: "Set aside"}
FOUND = {FoundVia.JOB_DEVELOPMENT: "Job development", FoundVia.ADVERT: "Advert"}


class OpeningView:
    def __init__(self, shell: Shell, state: OpeningFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title

    def _set(self, name: str) -> Any:
        def run(value: str) -> None:
            self.state.set_field(name, value)
            self.shell.refresh()

        return self.shell.handler(run)

    def _toggle(self, seeker_id: str) -> None:
        self.state.toggle_job_seeker(seeker_id)
        self.shell.refresh()

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save opening", "save-opening", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state
        seekers = [
            (s.id, s.code if s.disclosure is Disclosure.CONSENTED else f"{s.code} (no disclosure)")
            for s in state.job_seekers[:8]
        ]
        return screen(
            *message_banner(state),
            dropdown(
                "Employer",
                [(e.id, e.name) for e in state.employers],
                state.text("employer_id"),
                self._set("employer_id"),
                error=state.errors.get("employer_id"),
                identifier="opening-employer",
            ),
            text_field(state, "title", "Job title"),
            ft.Row(
                [
                    ft.Container(
                        text_field(state, "wage", "Wage (£)", keyboard=ft.KeyboardType.NUMBER), expand=1
                    ),
                    ft.Container(
                        text_field(state, "hours_per_week", "Hours/week", keyboard=ft.KeyboardType.NUMBER),
                        expand=1,
                    ),
                ]
            ),
            choice_chips(enum_options(WAGE_UNIT_LABELS), state.text("wage_unit"), self._set("wage_unit")),
            section(
                "Status",
                choice_chips(
                    enum_options(STATUS_LABELS),
                    state.text("status"),
                    self._set("status"),
                    identifier="opening-status",
                ),
            ),
            section(
                "Kind of job",
                choice_chips(enum_options(PERMANENCE), state.text("permanence"), self._set("permanence")),
                choice_chips(enum_options(MARKET), state.text("market"), self._set("market")),
                choice_chips(enum_options(FOUND), state.text("found_via"), self._set("found_via")),
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
            text_field(state, "noted_on", "Noted on (YYYY-MM-DD)", keyboard=ft.KeyboardType.DATETIME),
            text_field(
                state,
                "started_on",
                "Job started on, if hired (YYYY-MM-DD)",
                keyboard=ft.KeyboardType.DATETIME,
            ),
        )
