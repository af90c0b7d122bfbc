"""Nearby employers: where am I, then the employers nearest first, each one tap from its record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.forms import EmployerChoice, placed_employers
from app.state.nearby import NearbyState
from app.views.forms_common import employer_picker
from app.views.widgets import banner, big_button, list_row, screen, section, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell


class NearbyView:
    title = "Nearby employers"

    def __init__(self, shell: Shell, state: NearbyState, *, locate_now: bool = True) -> None:
        self.shell = shell
        self.state = state
        # "Or near an employer": the shared picker (recent chips, a search), never all of them.
        self.near = EmployerChoice(state.service, [], state.near_employer)
        self.near_matches = ft.Column(spacing=8)
        if locate_now:  # ask once when the screen opens; the list shows meanwhile
            shell.page.run_task(self._locate)

    def reload(self) -> None:
        self.state.refresh()

    async def _locate(self) -> None:
        self.state.locating = True
        await self.state.use_my_location(self.shell.ctx.location, self.shell.ctx.fix_timeout_s)
        if self.shell.stack and self.shell.stack[-1] is self:
            self.shell.refresh()

    def build(self) -> ft.Control:
        from app.views.screens import detail_screen

        state = self.state
        today = state.today

        def open_row(record_id: str) -> Any:
            return self.shell.handler(
                lambda _e: self.shell.push(detail_screen(self.shell, "employer", record_id))
            )

        where = "Finding your location…" if state.locating else state.origin_label
        rows = [
            list_row(
                row.name,
                row.detail(today),
                open_row(row.id),
                icon=ft.Icons.PLACE if row.distance_m is not None else ft.Icons.LOCATION_OFF,
                trailing=row.distance_text if row.distance_m is not None else None,
                warn=row.overdue,
                identifier=f"nearby-{index}",
            )
            for index, row in enumerate(state.rows)
        ]
        return screen(
            banner(
                state.message or where, kind="warn" if state.message else "info", identifier="nearby-origin"
            ),
            ft.Row(
                [
                    big_button(
                        "Use my location",
                        ft.Icons.MY_LOCATION,
                        self.shell.async_handler(lambda _e: self._locate()),
                        identifier="nearby-here",
                    )
                ]
            ),
            section("Or near an employer", *self._near_employer()),
            *(rows or [ft.Text("No employers yet.", size=15)]),
            section("Or near a place (needs a connection)", self._place_row()),
        )

    def _near_employer(self) -> list[ft.Control]:
        self.near.employers = placed_employers(self.state.service)
        return employer_picker(self.shell, self.near, self.near_matches, identifier="nearby-employer")

    def _place_row(self) -> ft.Control:
        state = self.state

        def typed(e: Any) -> None:
            state.address = e.control.value or ""

        return ft.Row(
            [
                ft.TextField(
                    label="Street, postcode or place",
                    value=state.address,
                    on_change=typed,
                    on_submit=self.shell.then_refresh(lambda _e: state.near_address()),
                    expand=True,
                    text_size=17,
                ),
                tagged(
                    "nearby-find",
                    ft.OutlinedButton(
                        "Find",
                        icon=ft.Icons.SEARCH,
                        height=52,
                        on_click=self.shell.then_refresh(lambda _e: state.near_address()),
                        disabled=state.geocoder is None,
                    ),
                ),
            ]
        )
