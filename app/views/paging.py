"""Long lists build only their first page of rows; "Show more" adds the next page in place.

Building and sending every row of 2,000 employers took seconds on the phone and in the browser
(bench/ui.py). A list keeps its rows in a state object already filtered by the search, so a page
is a slice: the first FIRST_PAGE rows (a screenful: the browser lays out as many rows with 50,000
records as with 50) are built, and each tap on "Show more" appends the next PAGE_SIZE to the same
column, leaving the rows already shown untouched (Flet sends only the new ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.views.widgets import MIN_TARGET, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell

FIRST_PAGE = 10  # a phone screenful (390x844) and a little more: what is built before any tap
PAGE_SIZE = 40  # each "Show more"


class Pager:
    """The rows shown of a list of `total()` rows, built by `build(start, end)`."""

    def __init__(
        self,
        shell: Shell,
        column: ft.Column,
        identifier: str,
        *,
        total: Callable[[], int],
        build: Callable[[int, int], list[ft.Control]],
        page_size: int = PAGE_SIZE,
        first_size: int = FIRST_PAGE,
    ) -> None:
        self.shell = shell
        self.column = column
        self.identifier = identifier
        self.total = total
        self.build = build
        self.page_size = page_size
        self.first_size = first_size
        self.shown = 0
        self._button: ft.Control | None = None

    def first_page(self) -> list[ft.Control]:
        """The controls of the first page (after a search too), with "Show more" when rows remain."""
        self.shown = min(self.total(), self.first_size)
        return self.build(0, self.shown) + self._more()

    def show_more(self) -> None:
        """Append the next page to the column and redraw only the column."""
        start = self.shown
        self.shown = min(self.total(), start + self.page_size)
        kept = [control for control in self.column.controls if control is not self._button]
        self.column.controls = kept + self.build(start, self.shown) + self._more()
        self.shell.update_in_place(self.column)

    def _more(self) -> list[ft.Control]:
        left = self.total() - self.shown
        if left <= 0:
            self._button = None
            return []

        def more(_e: Any) -> None:
            self.show_more()

        self._button = tagged(
            f"{self.identifier}-more",
            ft.TextButton(
                f"Show more ({left} more)",
                icon=ft.Icons.EXPAND_MORE,
                on_click=self.shell.handler(more),
                height=MIN_TARGET,
            ),
        )
        return [self._button]
