"""Openings: every job opening on the phone, filtered as the person types; and the live search box
the employer and job seeker lists share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.openings import OpeningsState
from app.views.paging import Pager
from app.views.widgets import big_button, list_row, screen, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell

STATUS_ICONS = {"hired": ft.Icons.CELEBRATION, "closed": ft.Icons.DO_NOT_DISTURB_ON_OUTLINED}


def live_search(
    shell: Shell, identifier: str, label: str, *, value: str, rows: ft.Column, redraw: Callable[[str], None]
) -> ft.Control:
    """A search box that filters on every keystroke. Only `rows` is redrawn, never the box itself:
    rebuilding the screen would take the keyboard away after each letter."""

    def typed(e: Any) -> None:
        redraw(e.control.value or "")
        shell.update_in_place(rows)

    return tagged(
        identifier,
        ft.TextField(
            label=label,
            value=value,
            prefix_icon=ft.Icons.SEARCH,
            on_change=shell.handler(typed),
            text_size=17,
        ),
    )


class OpeningsView:
    title = "Job openings"

    def __init__(self, shell: Shell, state: OpeningsState) -> None:
        self.shell = shell
        self.state = state
        self.rows = ft.Column(spacing=8)
        self.pager = Pager(
            shell, self.rows, "opening-rows", total=lambda: len(self.state.rows), build=self._rows_between
        )

    def reload(self) -> None:
        self.state.refresh()

    def _redraw(self, query: str) -> None:
        self.state.set_query(query)
        self.rows.controls = self._row_controls()

    def _row_controls(self) -> list[ft.Control]:
        if not self.state.rows:
            return [ft.Text(self.state.empty_text, size=15)]
        return self.pager.first_page()  # only the first page is built and sent

    def _rows_between(self, start: int, end: int) -> list[ft.Control]:
        from app.views.screens import detail_screen

        def open_row(record_id: str) -> Any:
            return self.shell.handler(
                lambda _e: self.shell.push(detail_screen(self.shell, "job_opening", record_id))
            )

        return [
            list_row(
                row.title,
                row.detail,
                open_row(row.id),
                icon=STATUS_ICONS.get(row.status, ft.Icons.WORK_OUTLINE),
                identifier=f"opening-row-{index}",
            )
            for index, row in enumerate(self.state.rows[start:end], start)
        ]

    def build(self) -> ft.Control:
        from app.views.screens import log_screen

        self.rows.controls = self._row_controls()
        return screen(
            live_search(
                self.shell,
                "opening-search",
                "Search openings",
                value=self.state.query,
                rows=self.rows,
                redraw=self._redraw,
            ),
            ft.Row(
                [
                    big_button(
                        "Log a job opening",
                        ft.Icons.WORK_OUTLINE,
                        self.shell.handler(lambda _e: self.shell.push(log_screen(self.shell, "opening"))),
                        identifier="add-opening",
                        filled=False,
                    )
                ]
            ),
            self.rows,
        )
