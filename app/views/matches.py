"""The Matches section of a job seeker's page and the Fits section of an opening's page: each
row says why it fits, and a tap opens the record (app.state.matches)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.forms import EmployerChoice, placed_employers
from app.state.matches import ORDERS, MatchRow, OpeningFitsState, SeekerMatchesState
from app.views.forms_common import employer_picker
from app.views.widgets import banner, big_button, choice_chips, list_row, section

if TYPE_CHECKING:
    from app.views.shell import Shell

ICONS = {"job_opening": ft.Icons.WORK_OUTLINE, "employer": ft.Icons.STOREFRONT, "job_seeker": ft.Icons.PERSON}


def _rows(shell: Shell, rows: list[MatchRow], prefix: str) -> list[ft.Control]:
    from app.views.screens import detail_screen

    def open_row(row: MatchRow) -> Any:
        return shell.handler(lambda _e: shell.push(detail_screen(shell, row.kind, row.id)))

    return [
        list_row(row.title, row.why, open_row(row), icon=ICONS.get(row.kind), identifier=f"{prefix}-{index}")
        for index, row in enumerate(rows)
    ]


class SeekerMatchesSection:
    def __init__(self, shell: Shell, state: SeekerMatchesState) -> None:
        self.shell = shell
        self.state = state
        # "Or near an employer": the shared picker (recent chips, a search), never all of them.
        self.near = EmployerChoice(state.service, [], state.near_employer)
        self.near_matches = ft.Column(spacing=8)

    def on_sync(self, event: str) -> bool:
        """A pass may have brought openings or employers: True when the lists were ranked again."""
        return event == "pass_done" and self.state.refresh_if_changed()

    async def _locate(self) -> None:
        self.state.locating = True
        self.shell.refresh()
        await self.state.use_my_location(self.shell.ctx.location, self.shell.ctx.fix_timeout_s)
        self.shell.refresh()

    def build(self) -> list[ft.Control]:
        state = self.state
        state.refresh_if_changed()  # after an edit of the job seeker or a record they fit
        note = state.message or ("Finding your location…" if state.locating else state.near_label)
        openings = _rows(self.shell, state.openings, "match-opening")
        employers = _rows(self.shell, state.employers, "match-employer")
        nothing = ft.Text(state.empty_text or "Nothing fits yet.", size=15)
        return [
            section(
                "Matches",
                choice_chips(
                    ORDERS, state.by.value, self.shell.then_refresh(state.set_order), identifier="match-order"
                ),
                banner(note, kind="warn" if state.message else "info", identifier="match-near"),
                ft.Row(
                    [
                        big_button(
                            "Use my location",
                            ft.Icons.MY_LOCATION,
                            self.shell.async_handler(lambda _e: self._locate()),
                            identifier="match-here",
                            filled=False,
                        )
                    ]
                ),
                ft.Text("Or near an employer", size=15, weight=ft.FontWeight.W_600),
                *self._near_employer(),
                ft.Text("Openings", size=15, weight=ft.FontWeight.W_600),
                *(openings or [nothing]),
                ft.Text("Employers", size=15, weight=ft.FontWeight.W_600),
                *(employers or [nothing]),
            )
        ]

    def _near_employer(self) -> list[ft.Control]:
        self.near.employers = placed_employers(self.state.service)
        return employer_picker(self.shell, self.near, self.near_matches, identifier="match-near-employer")


class OpeningFitsSection:
    def __init__(self, shell: Shell, state: OpeningFitsState) -> None:
        self.shell = shell
        self.state = state

    def on_sync(self, event: str) -> bool:
        return event == "pass_done" and self.state.refresh_if_changed()

    def build(self) -> list[ft.Control]:
        state = self.state
        state.refresh_if_changed()
        rows = _rows(self.shell, state.rows, "fit-seeker")
        return [section("Fits", *(rows or [ft.Text(state.empty_text, size=15)]))]


class NoMatches:
    """Records with neither section."""

    def on_sync(self, event: str) -> bool:
        return False

    def build(self) -> list[ft.Control]:
        return []


def matches_section(
    shell: Shell, kind: str, record_id: str
) -> SeekerMatchesSection | OpeningFitsSection | NoMatches:
    """The section a record's page shows: Matches for a job seeker, Fits for an opening."""
    ctx = shell.ctx
    if kind == "job_seeker":
        return SeekerMatchesSection(
            shell, SeekerMatchesState(ctx.service, record_id, index=ctx.match_index, wages=ctx.wages)
        )
    if kind == "job_opening":
        return OpeningFitsSection(
            shell, OpeningFitsState(ctx.service, record_id, index=ctx.match_index, wages=ctx.wages)
        )
    return NoMatches()
