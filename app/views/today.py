"""Today: sync line, supervisor feedback, records needing attention, what is due, quick log buttons,
recent work. The sync line and the two sync-fed sections redraw in place when the runner publishes."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.records import Activity, DueItem
from app.state.today import TodayState
from app.views.paging import Pager
from app.views.sync_line import SyncLine
from app.views.widgets import banner, list_row, screen, section, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell

KIND_ICONS = {
    "employer_visit": ft.Icons.STOREFRONT,
    "job_opening": ft.Icons.WORK_OUTLINE,
    "support_check_in": ft.Icons.HANDSHAKE,
    "employer": ft.Icons.ADD_BUSINESS,
    "job_seeker": ft.Icons.PERSON_ADD_ALT,
}
SYNC_ICONS = {"pending": "waiting", "synced": "synced", "rejected": "refused", "conflict": "conflict"}
FEEDBACK_ICONS = {"needs_changes": ft.Icons.RATE_REVIEW, "changed_since_review": ft.Icons.EDIT_NOTE}
FEEDBACK_TRAILERS = {"needs_changes": "changes", "changed_since_review": "edited"}
# Due and upcoming rows built at first: what a phone screen shows below the quick log buttons (a
# due row is ~76 px, a task ~115 px, at 390x844), so Today costs the browser the same with 2,000
# rows due as with 3. "Show more" adds the rest DUE_PAGE at a time.
DUE_FIRST = 5
UPCOMING_FIRST = 3
DUE_PAGE = 20


class TodayView:
    title = "Today"

    def __init__(self, shell: Shell, state: TodayState) -> None:
        self.shell = shell
        self.state = state
        self.sync_line = SyncLine(shell)
        self.sync_sections = ft.Column(spacing=16)
        self.recent_rows = ft.Column(spacing=8)
        self.due_rows = ft.Column(spacing=8)
        self.upcoming_rows = ft.Column(spacing=8)
        self.content = ft.Column()  # the screen's scrolling column, once built
        self.due_title = ft.Text()  # the Due section's heading, with the headline
        self.shape: Hashable = None  # what decides the screen's layout, as last built
        # Row controls by what they show: a redraw keeps the rows whose data did not change (the
        # same controls, so Flet sends only what is new), e.g. after a save all but one recent row.
        self._rows: dict[Hashable, ft.Control] = {}
        self._next_rows: dict[Hashable, ft.Control] = {}
        self.due_pager = Pager(
            shell,
            self.due_rows,
            "due-rows",
            total=lambda: len(self.state.due),
            build=lambda start, end: self._due_rows(self.state.due[start:end], start),
            page_size=DUE_PAGE,
            first_size=DUE_FIRST,
        )
        self.upcoming_pager = Pager(
            shell,
            self.upcoming_rows,
            "upcoming-rows",
            total=lambda: len(self.state.upcoming),
            build=lambda start, end: self._due_rows(
                self.state.upcoming[start:end], len(self.state.due) + start
            ),
            page_size=DUE_PAGE,
            first_size=UPCOMING_FIRST,
        )

    def reload(self) -> None:
        self.state.refresh()

    def redraw(self) -> bool:
        """After a change elsewhere (a save, then Back): read again and redraw inside the controls
        built before, keeping every row that shows the same thing. False when the layout itself
        changed (a section appears or goes): then the screen is rebuilt."""
        self.state.refresh()
        if self._shape() != self.shape:
            return False
        self._fill()
        return True

    def _shape(self) -> Hashable:
        state = self.state
        return (
            state.today_label,
            state.store_notice,
            bool(state.due),
            bool(state.upcoming),
            state.task_message,
        )

    def _fill(self) -> None:
        """The parts that change with the records, into the controls the screen keeps."""
        state = self.state
        self._next_rows = {}
        self.sync_sections.controls = self._sync_section_controls()
        self.recent_rows.controls = self._recent_row_controls()
        self.due_rows.controls = self.due_pager.first_page()
        self.upcoming_rows.controls = self.upcoming_pager.first_page()
        self.due_title.value = f"Due · {state.headline}"
        self.sync_line.build(state.sync)
        self._rows, self._next_rows = self._next_rows, {}

    def _kept(self, key: Hashable, make: Callable[[], ft.Control]) -> ft.Control:
        control = self._rows.get(key) or self._next_rows.get(key) or make()
        self._next_rows[key] = control
        return control

    def on_sync(self, event: str) -> None:
        """A runner status: redraw the line; after a pass, also what it may have pulled down."""
        if event == "pass_done":
            self.state.refresh_sync()
            self.sync_sections.controls = self._sync_section_controls()
            self.recent_rows.controls = self._recent_row_controls()
            self.shell.update_in_place(self.sync_sections)
            self.shell.update_in_place(self.recent_rows)
        else:
            self.state.sync = self.state.sync_status.summary()
        self.sync_line.show(self.state.sync)

    def build(self) -> ft.Control:
        state = self.state
        self._fill()
        self.shape = self._shape()
        due = section(
            f"Due · {state.headline}", self.due_rows if state.due else ft.Text("You are up to date.", size=15)
        )
        assert isinstance(due, ft.Column) and isinstance(due.controls[0], ft.Text)
        self.due_title = due.controls[0]
        if state.task_message:
            due.controls.append(ft.Text(state.task_message, size=15))
        self.content = screen(
            ft.Text(state.today_label, size=15, color=ft.Colors.BLUE_GREY_700),
            *self._store_notice(),
            self.sync_line.build(state.sync),
            self.sync_sections,
            ft.Row(
                [
                    self._quick("Visit", ft.Icons.STOREFRONT, "visit", "log-visit"),
                    self._quick("Opening", ft.Icons.WORK_OUTLINE, "opening", "log-opening"),
                    self._quick("Check-in", ft.Icons.HANDSHAKE, "check_in", "log-check-in"),
                ],
                spacing=8,
            ),
            due,
            *([section("Coming up this week", self.upcoming_rows)] if state.upcoming else []),
            section("Recent activity", self.recent_rows),
        )
        return self.content

    def then_redraw_in_place(self, action: Any) -> Any:
        """A handler that runs a task's Done or Dismiss, then redraws Today inside the same scrolling
        column: Flutter keeps its scroll offset, so the list stays where the thumb left it (a
        rebuilt screen is a new column, which starts at the top)."""

        def run(*args: Any) -> None:
            action(*args)
            column = self.content
            self.build()  # a fresh column from the state the action left
            column.controls, self.content = self.content.controls, column
            self.shell.update_in_place(column)

        return self.shell.handler(run)

    def _recent_row_controls(self) -> list[ft.Control]:
        return [self._kept(("recent", row), partial(self._recent_row, row)) for row in self.state.recent] or [
            ft.Text("Nothing logged yet. Tap Visit after your next employer contact.", size=15)
        ]

    def _recent_row(self, row: Activity) -> ft.Control:
        return list_row(
            row.title,
            row.detail,
            self._open(row.record_kind, row.record_id),
            icon=KIND_ICONS.get(row.record_kind),
            trailing=SYNC_ICONS.get(row.sync_state, row.sync_state),
            warn=row.sync_state in ("rejected", "conflict"),
        )

    def _due_rows(self, items: list[DueItem], first: int) -> list[ft.Control]:
        """Due (or coming up) rows numbered from `first`, kept while they show the same."""
        return [
            self._kept(("due", index, item), partial(self._due, item, index))
            for index, item in enumerate(items, first)
        ]

    def _store_notice(self) -> list[ft.Control]:
        """The phone's saved data was repaired when the app opened: say so until dismissed."""
        if self.state.store_notice is None:
            return []
        return [
            banner(self.state.store_notice, kind="warn", identifier="store-notice"),
            ft.TextButton(
                "Got it",
                on_click=self.shell.then_refresh(lambda _e: self.state.dismiss_store_notice()),
            ),
        ]

    def _sync_section_controls(self) -> list[ft.Control]:
        state = self.state
        controls: list[ft.Control] = []
        if state.attention:
            controls.append(
                section(
                    "Needs attention",
                    *[
                        list_row(
                            row.title,
                            row.reason,
                            self._open(row.record_kind, row.record_id),
                            icon=ft.Icons.ERROR_OUTLINE,
                            trailing=SYNC_ICONS.get(row.state, row.state),
                            warn=True,
                            identifier=f"attention-{index}",
                        )
                        for index, row in enumerate(state.attention)
                    ],
                )
            )
        if state.feedback:
            controls.append(
                section(
                    "Supervisor feedback",
                    *[
                        list_row(
                            row.title,
                            row.detail,
                            self._open(row.record_kind, row.record_id),
                            icon=FEEDBACK_ICONS.get(row.state, ft.Icons.COMMENT),
                            trailing=FEEDBACK_TRAILERS.get(row.state),
                            warn=row.state == "needs_changes",
                            identifier=f"feedback-{index}",
                        )
                        for index, row in enumerate(state.feedback)
                    ],
                )
            )
        return controls

    def _quick(self, label: str, icon: ft.IconData, kind: str, identifier: str) -> ft.Control:
        from app.views.screens import log_screen

        button = ft.FilledTonalButton(
            content=ft.Column(
                [ft.Icon(icon, size=28), ft.Text(label, size=15, weight=ft.FontWeight.W_600)],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                spacing=4,
                tight=True,
            ),
            on_click=self.shell.handler(lambda _e: self.shell.push(log_screen(self.shell, kind))),
            height=84,
            style=ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=14), padding=8),
        )
        return ft.Container(tagged(identifier, button, label=f"Log {label.lower()}"), expand=True)

    def _due(self, item: DueItem, index: int) -> ft.Control:
        from app.views.screens import log_screen
        from app.views.visit import task_row

        def act(_e: Any) -> None:
            if item.kind == "next_step":
                visit = self.shell.ctx.service.load("employer_visit", item.record_id)
                employer_id = getattr(visit, "employer_id", None)
                self.shell.push(log_screen(self.shell, "visit", employer_id=employer_id))
            else:
                self.shell.push(log_screen(self.shell, "check_in", job_seeker_id=item.record_id))

        when = (
            "overdue"
            if item.overdue
            else ("today" if item.due_on == self._today() else f"{item.due_on:%a %-d}")
        )
        if item.kind == "next_step":
            # A next step is a task: done or dismissed from here, or done by logging the visit.
            return task_row(
                self.shell,
                f"due-task-{index}",
                f"{item.title}: {item.detail}",
                task_when(item, self._today()),
                on_done=lambda _e: self.state.mark_done(item),
                on_dismiss=lambda _e: self.state.dismiss(item),
                on_log=self.shell.handler(act),
                then=self.then_redraw_in_place,
                warn=item.overdue,
            )
        icon = ft.Icons.HANDSHAKE
        return list_row(
            item.title, item.detail, self.shell.handler(act), icon=icon, trailing=when, warn=item.overdue
        )

    def _today(self) -> date:
        return self.state.service.clock.now().date()

    def _open(self, kind: str, record_id: str) -> Any:
        from app.views.screens import detail_screen

        return self.shell.handler(lambda _e: self.shell.push(detail_screen(self.shell, kind, record_id)))


def task_when(item: DueItem, today: date) -> str:
    """When a task is due, as a sentence: "Overdue: due Mon 4 May", "Due today", "Due Thu 7 May"."""
    if item.due_on < today:
        return f"Overdue: due {item.due_on:%a %-d %b}"
    if item.due_on == today:
        return "Due today"
    return f"Due {item.due_on:%a %-d %b}"
