"""Employers: a searchable list (most recently visited first) and the add/edit form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.employers import EmployerFormState, EmployersState
from app.state.visit_form import NEXT_STEP_SHORTCUTS
from app.views.forms_common import date_field, message_banner, save_button
from app.views.openings import live_search
from app.views.paging import Pager
from app.views.widgets import banner, big_button, list_row, screen, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class EmployersView:
    title = "Employers"

    def __init__(self, shell: Shell, state: EmployersState) -> None:
        self.shell = shell
        self.state = state
        self.rows = ft.Column(spacing=8)
        self.pager = Pager(
            shell, self.rows, "employer-rows", total=lambda: len(self.state.rows), build=self._rows_between
        )

    def reload(self) -> None:
        self.state.refresh()

    def build(self) -> ft.Control:
        from app.views.screens import log_screen, nearby_screen

        state = self.state
        self.rows.controls = self._row_controls()
        return screen(
            live_search(
                self.shell,
                "employer-search",
                "Search employers",
                value=state.query,
                rows=self.rows,
                redraw=self._redraw,
            ),
            ft.Row(
                [
                    big_button(
                        "Add employer",
                        ft.Icons.ADD_BUSINESS,
                        self.shell.handler(lambda _e: self.shell.push(log_screen(self.shell, "employer"))),
                        identifier="add-employer-screen",
                        filled=False,
                    ),
                    big_button(
                        "Nearby",
                        ft.Icons.NEAR_ME,
                        self.shell.handler(lambda _e: self.shell.push(nearby_screen(self.shell))),
                        identifier="nearby-screen",
                        filled=False,
                    ),
                ]
            ),
            self.rows,
        )

    def _redraw(self, query: str) -> None:
        self.state.set_query(query)
        self.rows.controls = self._row_controls()

    def _row_controls(self) -> list[ft.Control]:
        if not self.state.rows:
            searching = bool(self.state.query.strip())
            empty = "No employer matches your search." if searching else "No employers yet."
            return [ft.Text(empty, size=15)]
        return self.pager.first_page()  # only the first page is built and sent

    def _rows_between(self, start: int, end: int) -> list[ft.Control]:
        from app.views.screens import detail_screen

        def open_row(record_id: str) -> Any:
            return self.shell.handler(
                lambda _e: self.shell.push(detail_screen(self.shell, "employer", record_id))
            )

        return [
            list_row(
                row.name,
                row.detail,
                open_row(row.id),
                icon=ft.Icons.STOREFRONT,
                trailing=f"{row.visits} visit{'s' if row.visits > 1 else ''}" if row.visits else None,
                identifier=f"employer-row-{index}",
            )
            for index, row in enumerate(self.state.rows[start:end], start)
        ]


class EmployerFormView:
    def __init__(self, shell: Shell, state: EmployerFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title
        # Redrawn in place as the name is typed: rebuilding the form would take the keyboard.
        self.match_slot = ft.Container()

    def _near_match(self) -> ft.Control | None:
        """The "Riverside Café already exists" banner, and a tap that opens that employer instead."""
        message = self.state.near_match_message
        if not message:
            return None
        return ft.Column(
            [
                banner(message, kind="warn", identifier="employer-near-match"),
                ft.Row(
                    [
                        big_button(
                            "Use the existing one",
                            ft.Icons.STOREFRONT,
                            self.shell.handler(self._use_existing),
                            identifier="use-existing-employer",
                            filled=False,
                        )
                    ]
                ),
            ],
            spacing=8,
        )

    def _use_existing(self, _e: Any) -> None:
        from app.views.screens import detail_screen

        employer_id = self.state.use_existing()
        if employer_id is None:
            return
        self.shell.stack.pop()  # this form goes: the existing employer's page takes its place
        self.shell.push(detail_screen(self.shell, "employer", employer_id))

    def _retype_name(self) -> None:
        self.match_slot.content = self._near_match()
        self.shell.update_in_place(self.match_slot)

    def _match_slot(self) -> ft.Control:
        self.match_slot.content = self._near_match()
        return self.match_slot

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save employer", "save-employer", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state

        def locate(_e: Any) -> None:
            if state.locate_address():
                self.shell.notify("Address found on the map.")
            self.shell.refresh()

        if state.text("latitude"):
            location = f"Location: {state.text('latitude')}, {state.text('longitude')}"
        elif state.text("address").strip():
            location = "No map location yet: it is looked up when the phone is online"
        else:
            location = "No map location yet"
        return screen(
            *message_banner(state),
            text_field(state, "name", "Business name", on_typed=self._retype_name),
            self._match_slot(),
            text_field(state, "sector", "Sector", hint="retail, care, hospitality…"),
            text_field(state, "address", "Address", multiline=True),
            ft.Row(
                [
                    ft.Text(location, size=14, expand=True),
                    ft.OutlinedButton(
                        "Find on map",
                        icon=ft.Icons.MAP,
                        on_click=self.shell.handler(locate),
                        height=48,
                        disabled=not state.can_geocode,
                    ),
                ]
            ),
            text_field(state, "contacts", "Contact people (comma separated)"),
            text_field(state, "hiring_needs", "Hiring needs", multiline=True),
            text_field(state, "notes", "Notes", multiline=True),
            text_field(state, "next_step", "Next step with this employer"),
            date_field(self.shell, state, "next_step_on", "Next step due", shortcuts=NEXT_STEP_SHORTCUTS),
        )
