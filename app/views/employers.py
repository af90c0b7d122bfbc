"""Employers: a searchable list (most recently visited first) and the add/edit form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.employers import EmployerFormState, EmployersState
from app.state.visit_form import NEXT_STEP_SHORTCUTS
from app.views.forms_common import date_with_shortcuts, message_banner, save_button
from app.views.widgets import big_button, list_row, screen, tagged, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell


class EmployersView:
    title = "Employers"

    def __init__(self, shell: Shell, state: EmployersState) -> None:
        self.shell = shell
        self.state = state

    def reload(self) -> None:
        self.state.refresh()

    def build(self) -> ft.Control:
        from app.views.screens import detail_screen, log_screen, nearby_screen

        state = self.state

        def search(e: Any) -> None:
            state.set_query(e.control.value or "")
            self.shell.refresh()

        def open_row(record_id: str) -> Any:
            return self.shell.handler(
                lambda _e: self.shell.push(detail_screen(self.shell, "employer", record_id))
            )

        return screen(
            tagged(
                "employer-search",
                ft.TextField(
                    label="Search employers",
                    value=state.query,
                    prefix_icon=ft.Icons.SEARCH,
                    on_submit=self.shell.handler(search),
                    on_blur=self.shell.handler(search),
                    text_size=17,
                ),
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
            *(
                [
                    list_row(
                        row.name,
                        row.detail,
                        open_row(row.id),
                        icon=ft.Icons.STOREFRONT,
                        trailing=f"{row.visits} visit{'s' if row.visits > 1 else ''}" if row.visits else None,
                    )
                    for row in state.rows
                ]
                or [ft.Text("No employers yet.", size=15)]
            ),
        )


class EmployerFormView:
    def __init__(self, shell: Shell, state: EmployerFormState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title

    def footer(self) -> ft.Control:
        state = self.state
        return save_button(self.shell, state, "Save employer", "save-employer", self.shell.back)

    def build(self) -> ft.Control:
        state = self.state

        def locate(_e: Any) -> None:
            if state.locate_address():
                self.shell.notify("Address found")
            self.shell.refresh()

        if state.text("latitude"):
            location = f"Location: {state.text('latitude')}, {state.text('longitude')}"
        elif state.text("address").strip():
            location = "No map location yet: it is looked up when the phone is online"
        else:
            location = "No map location yet"
        return screen(
            *message_banner(state),
            text_field(state, "name", "Business name"),
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
            date_with_shortcuts(
                state,
                "next_step_on",
                "Next step due",
                NEXT_STEP_SHORTCUTS,
                self.shell.then_refresh(state.set_next_step_in),
            ),
        )
