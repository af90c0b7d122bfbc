"""Long lists build only their first page (app.views.paging.Pager): the Employers tab with 95
employers builds a screenful (10 rows) and a "Show more" button; each tap appends the next page of 40
and keeps the
rows already shown (the same controls, so Flet sends only the new ones); a search shows the first
page of its matches. Views are built without a page: only the shell's handler and in-place update
are used, and the update is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.records import RecordService
from app.state.employers import EmployersState
from app.state.sync_status import StatusSource, SyncSummary
from app.views.employers import EmployersView
from app.views.paging import FIRST_PAGE, PAGE_SIZE


class RecordingShell:
    """What a list view asks of the shell when it is built and its rows paged."""

    def __init__(self) -> None:
        self.updated: list[ft.Control] = []

    def handler(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    def update_in_place(self, control: ft.Control) -> None:
        self.updated.append(control)


def identifiers(column: ft.Column) -> list[str]:
    return [str(getattr(control, "identifier", "")) for control in column.controls]


def tap_more(column: ft.Column) -> None:
    more = column.controls[-1]
    assert isinstance(more, ft.Semantics) and more.identifier == "employer-rows-more"
    button = more.content
    assert isinstance(button, ft.TextButton) and button.on_click is not None
    button.on_click(None)  # type: ignore[call-arg]


def test_the_employers_tab_builds_one_page_then_appends_a_page_per_tap(service: RecordService) -> None:
    from app.domain.records import Employer

    for i in range(95):
        service.save(Employer(name=f"Employer {i:03d}"))
    shell = RecordingShell()
    view = EmployersView(shell, EmployersState(service))  # type: ignore[arg-type]
    view.build()

    first = identifiers(view.rows)
    assert (FIRST_PAGE, PAGE_SIZE) == (10, 40)
    assert first == [f"employer-row-{i}" for i in range(10)] + ["employer-rows-more"]
    shown = list(view.rows.controls[:10])
    more = view.rows.controls[-1]
    assert isinstance(more, ft.Semantics) and isinstance(more.content, ft.TextButton)
    assert more.content.content == "Show more (85 more)"

    tap_more(view.rows)
    assert identifiers(view.rows) == [f"employer-row-{i}" for i in range(50)] + ["employer-rows-more"]
    assert all(a is b for a, b in zip(view.rows.controls[:10], shown, strict=True))  # kept, not rebuilt
    assert shell.updated == [view.rows]  # only the list redraws

    tap_more(view.rows)
    assert identifiers(view.rows) == [f"employer-row-{i}" for i in range(90)] + ["employer-rows-more"]
    tap_more(view.rows)
    assert identifiers(view.rows) == [f"employer-row-{i}" for i in range(95)]  # no button left

    view._redraw("employer 01")  # the search box's keystroke handler
    matches = [f"employer-row-{i}" for i in range(10)]  # Employer 001, 010..018 of 11 matches
    assert identifiers(view.rows) == [*matches, "employer-rows-more"]


def test_a_short_list_has_no_show_more(service: RecordService) -> None:
    from app.domain.records import Employer

    service.save(Employer(name="Riverside Café"))
    view = EmployersView(RecordingShell(), EmployersState(service))  # type: ignore[arg-type]
    view.build()
    assert identifiers(view.rows) == ["employer-row-0"]


class NoSync(StatusSource):
    def summary(self) -> SyncSummary:
        return SyncSummary(connected=False, pending=0, attention=0, label="")


class FakePage:
    """The parts of a Flet page the Shell sets and calls."""

    def __init__(self) -> None:
        self.floating_action_button: Any = None
        self.navigation_bar: Any = None

    def add(self, *controls: Any) -> None:
        self.controls = controls

    def update(self) -> None:
        return None

    def show_dialog(self, _dialog: Any) -> None:
        return None

    def run_task(self, *_args: Any) -> None:  # the visit form's GPS fix: not wanted here
        return None


def test_back_shows_the_screen_below_as_it_was_unless_something_changed(
    service: RecordService, add_employer: Callable[..., Any]
) -> None:
    """The screens on the stack stay on the page, only the top one visible: Back to a screen whose
    records did not change shows the same controls (nothing rebuilt or resent); after a save, or a
    sync event it missed, Back redraws Today inside its own controls (the new record among the
    rows kept) and rebuilds a screen that cannot redraw itself (the Employers list). Each tab's last
    screen stays too, hidden: a tab tapped again shows it the same way."""
    from app.domain.records import EmployerVisit
    from app.state.context import AppContext
    from app.views.screens import log_screen
    from app.views.shell import Shell

    cafe = add_employer("Riverside Café")
    shell = Shell(FakePage(), AppContext.offline(service, NoSync()))  # type: ignore[arg-type]
    shell.go_root("today")
    (today,) = shell.layers.controls

    shell.push(log_screen(shell, "visit"))
    assert [layer.visible for layer in shell.layers.controls] == [False, True]
    assert shell.layers.controls[0] is today
    shell.back()
    assert shell.layers.controls == [today] and today.visible  # the same controls, shown again

    view = shell.stack[0]
    shell.push(log_screen(shell, "visit"))
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=service.clock.now(), outcome="Owner keen"))
    shell.back()
    assert shell.layers.controls == [today] and today.visible  # a record changed: redrawn in place
    assert [row.title for row in view.state.recent] == ["Riverside Café"]  # read again
    assert shell._built[id(view)][1] == shell._version()  # and current: the next Back shows it as is

    shell.push(log_screen(shell, "visit"))
    shell._sync_event("pass_done")  # the runner's event reaches the form on top, not Today
    shell.back()
    assert shell.layers.controls == [today] and shell._built[id(view)][1] == shell._version()

    shell.go_root("employers")
    first, employers = shell.layers.controls
    assert first is today and not today.visible and employers.visible  # Today kept, hidden
    shell.push(log_screen(shell, "visit"))
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=service.clock.now()))
    shell.back()
    first, rebuilt = shell.layers.controls
    assert rebuilt is not employers and rebuilt.visible  # no redraw of its own: built again

    shell.go_root("today")  # the tab tapped again: the kept Today, redrawn, not built anew
    assert shell.layers.controls == [today, rebuilt] and today.visible and not rebuilt.visible
    assert len(view.state.recent) == 2
    shell.go_root("employers")  # nothing changed since: shown as it was
    assert shell.layers.controls == [today, rebuilt] and rebuilt.visible

    shell._sync_event("revoked")  # the team signed this phone out: no kept screen survives
    (after,) = shell.layers.controls
    assert after is not today and after.visible
