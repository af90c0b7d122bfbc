"""Disclosure decided per employer (issue 15): "Decide for an employer", opened from the job
seeker's page (app.state.disclosures)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.enums import DisclosureDecision
from app.domain.labels import options
from app.state.disclosures import DisclosureDecisionFormState
from app.views.forms_common import date_field, employer_picker, message_banner, save_button
from app.views.widgets import choice_chips, screen, section

if TYPE_CHECKING:
    from app.views.shell import Screen, Shell


def decide_screen(shell: Shell, job_seeker_id: str) -> Screen:
    return DecideView(shell, DisclosureDecisionFormState(shell.ctx.service, job_seeker_id=job_seeker_id))


class DecideView:
    def __init__(self, shell: Shell, state: DisclosureDecisionFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        self.employer_matches = ft.Column(spacing=8)  # the employer search's results, redrawn in place

    def _set(self, name: str) -> Any:
        return self.shell.then_refresh(partial(self.state.set_field, name))

    def footer(self) -> ft.Control:
        return save_button(self.shell, self.state, "Save decision", "save-decision", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state
        who = state.seeker.code if state.seeker is not None else "This job seeker"
        return screen(
            *message_banner(state),
            ft.Text(f"{who} decides whether this employer may know about them and their condition.", size=15),
            # An employer already known: a decision is never for a new one (no New employer).
            section(
                "Employer",
                *employer_picker(self.shell, state, self.employer_matches, identifier="decision-employer"),
            ),
            section(
                "Their decision",
                choice_chips(
                    options(DisclosureDecision),
                    state.text("decision"),
                    self._set("decision"),
                    identifier="decision-choice",
                ),
            ),
            date_field(self.shell, state, "decided_on", "Decided on"),
        )
